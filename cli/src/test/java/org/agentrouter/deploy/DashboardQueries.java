package org.agentrouter.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the repository's observability files say: the dashboard's PromQL and the README's metrics table. */
public final class DashboardQueries {
    public static final String PREFIX = "flink_taskmanager_job_task_operator_router_";
    private static final Pattern METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_:]+");
    private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)\\s*\\(?\\s*(?:rate|increase)?\\s*\\(?\\s*(flink_[A-Za-z0-9_:]+)");

    private DashboardQueries() {}

    public static Path repo() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("docker-compose.yml")) ? here : here.getParent();
    }

    public static Path dashboard() {
        return repo().resolve("deploy/grafana/dashboards/agent-router.json");
    }

    public static JsonNode dashboardJson() throws IOException {
        return new ObjectMapper().readTree(dashboard().toFile());
    }

    /** Every PromQL expression of the dashboard: panel targets and template variable queries. */
    public static List<String> expressions(JsonNode dash) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dash.path("panels")) {
            for (JsonNode t : panel.path("targets")) out.add(t.path("expr").asText());
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            out.add(v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText());
        }
        return out;
    }

    public static Set<String> metricNames(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String e : expressions) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) names.add(m.group());
        }
        return names;
    }

    /** Labels each metric is grouped by ({@code sum by (route) (rate(metric...))}): metric -> labels. */
    public static Map<String, Set<String>> groupingLabels(List<String> expressions) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String e : expressions) {
            Matcher m = BY.matcher(e);
            while (m.find()) {
                Set<String> labels = out.computeIfAbsent(m.group(2), k -> new TreeSet<>());
                for (String l : m.group(1).split(",")) {
                    if (!l.isBlank()) labels.add(l.trim());
                }
            }
        }
        return out;
    }

    /** The metric names of the README's metrics table, with the prefix the table states (names starting flink_ as they are). */
    public static Set<String> readmeMetricNames() throws IOException {
        List<String> lines = Files.readAllLines(repo().resolve("README.md"));
        Set<String> names = new TreeSet<>();
        boolean inSection = false;
        for (String line : lines) {
            if (line.startsWith("## ")) inSection = line.startsWith("## Metrics");
            if (!inSection || !line.startsWith("| `")) continue;
            String firstCell = line.split("\\|")[1];
            Matcher m = Pattern.compile("`([A-Za-z0-9_]+)`").matcher(firstCell);
            // Flink's own metrics (a Kafka source's backlog, job restarts) are named in full.
            while (m.find()) names.add(m.group(1).startsWith("flink_") ? m.group(1) : PREFIX + m.group(1));
        }
        return names;
    }
}
