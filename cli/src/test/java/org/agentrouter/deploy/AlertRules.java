package org.agentrouter.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The alert rules of deploy/prometheus/alerts.yml, as Prometheus reads them. */
public final class AlertRules {
    /** Series names: the reporter's (all start with flink_) and Prometheus's own {@code up}. */
    private static final Pattern METRIC = Pattern.compile("\\b(flink_[A-Za-z0-9_:]+|up(?=\\{))");
    private static final Pattern DURATION = Pattern.compile("(\\d+)([smh])");

    /** One alerting rule: its name, expression, {@code for} and the node it came from. */
    public record Rule(String alert, String expr, Duration forDuration, JsonNode node) {}

    private AlertRules() {}

    public static Path file() {
        return DashboardQueries.repo().resolve("deploy/prometheus/alerts.yml");
    }

    public static JsonNode read(Path file) throws IOException {
        return new YAMLMapper().readTree(file.toFile());
    }

    public static List<Rule> rules(JsonNode file) {
        List<Rule> out = new ArrayList<>();
        for (JsonNode group : file.path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (!r.has("alert")) continue;
                out.add(new Rule(r.path("alert").asText(), r.path("expr").asText(), parse(r.path("for").asText("0s")), r));
            }
        }
        return out;
    }

    /** Prometheus durations as the rules use them: 30s, 5m, 2h (and 0m). */
    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException("not a simple Prometheus duration: '" + text + "'");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The metric names an expression selects (series names, not functions or labels). */
    public static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /**
     * The same rules with every {@code for} divided by {@code factor} (at least one second), expressions and
     * everything else untouched: what a test that cannot wait minutes runs.
     */
    public static String withFasterFor(JsonNode file, long factor) throws IOException {
        JsonNode copy = file.deepCopy();
        for (JsonNode group : copy.path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (!r.has("alert")) continue;
                long seconds = parse(r.path("for").asText("0s")).toSeconds();
                ((ObjectNode) r).put("for", (seconds == 0 ? 0 : Math.max(1, seconds / factor)) + "s");
            }
        }
        return new YAMLMapper().enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).writeValueAsString(copy);
    }
}
