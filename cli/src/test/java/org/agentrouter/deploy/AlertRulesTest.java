package org.agentrouter.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alert rules, their unit tests and the Alertmanager configuration: promtool and amtool check them (skipped
 * without the tools, failed on CI), and every alert has a severity, texts, a runbook line in the README and a firing
 * case in alerts.test.yml, and uses only metrics of the README's table. That the rules fire on a real fault of the
 * running job is AlertsEndToEndTest.
 */
class AlertRulesTest {
    private static final Path REPO = DashboardQueries.repo();
    private static final Path PROMETHEUS_DIR = REPO.resolve("deploy/prometheus");
    private static final Set<String> SEVERITIES = Set.of("critical", "warning");

    @Test
    void promtoolAcceptsTheConfigAndTheRulesPassTheirUnitTests() throws Exception {
        Path promtool = PrometheusTools.require("promtool", "prometheus");
        String config = run(promtool.toString(), "check", "config", PROMETHEUS_DIR.resolve("prometheus.yml").toString());
        assertTrue(config.contains("SUCCESS: " + AlertRules.rules(AlertRules.read(AlertRules.file())).size() + " rules found"), config);
        run(promtool.toString(), "test", "rules", PROMETHEUS_DIR.resolve("alerts.test.yml").toString());
    }

    @Test
    void amtoolAcceptsTheAlertmanagerConfig() throws Exception {
        Path amtool = PrometheusTools.require("amtool", "prometheus-alertmanager");
        run(amtool.toString(), "check-config", REPO.resolve("deploy/alertmanager/alertmanager.yml").toString());
    }

    @Test
    void everyAlertHasASeverityTextsARunbookLineAndAFiringTestCase() throws Exception {
        List<AlertRules.Rule> rules = AlertRules.rules(AlertRules.read(AlertRules.file()));
        assertTrue(rules.size() >= 10, "rules parsed: " + rules.size());
        Set<String> names = new TreeSet<>();
        for (AlertRules.Rule r : rules) {
            String name = r.alert();
            assertTrue(names.add(name), "alert name unique: " + name);
            assertTrue(name.matches("Router[A-Z][A-Za-z]+"), name);
            assertTrue(r.node().has("for"), name + " says how long its condition must hold (for: 0m when at once)");
            assertTrue(SEVERITIES.contains(r.node().path("labels").path("severity").asText()), name + " severity");
            assertEquals("agent-router", r.node().path("labels").path("service").asText(), name + " service label");
            for (String a : List.of("summary", "description")) {
                assertFalse(r.node().path("annotations").path(a).asText().isBlank(), name + " annotation " + a);
            }
            String runbook = r.node().path("annotations").path("runbook").asText();
            assertTrue(runbook.startsWith("README.md#alerts-and-runbooks ("), name + " runbook: " + runbook);
        }
        // Rules sharing a runbook line (the two fallback severities) name the line they share.
        Set<String> runbookNames = new TreeSet<>();
        for (AlertRules.Rule r : rules) {
            String runbook = r.node().path("annotations").path("runbook").asText();
            runbookNames.add(runbook.substring(runbook.indexOf('(') + 1, runbook.indexOf(')')));
        }
        assertEquals(runbookNames, readmeRunbookNames(), "README 'Alerts and runbooks' has one line per runbook the rules name");
        assertTrue(names.containsAll(runbookNames), "a runbook is named after one of its alerts: " + runbookNames);

        Set<String> firing = firingTestCases();
        Set<String> untested = new TreeSet<>(names);
        untested.removeAll(firing);
        assertEquals(Set.of(), untested, "alerts without a case in alerts.test.yml that makes them fire");
    }

    @Test
    void alertsUseOnlyMetricsOfTheReadmeTable() throws Exception {
        Set<String> documented = DashboardQueries.readmeMetricNames();
        Set<String> used = new TreeSet<>();
        for (AlertRules.Rule r : AlertRules.rules(AlertRules.read(AlertRules.file()))) used.addAll(AlertRules.metricNames(r.expr()));
        assertTrue(used.contains("up") && used.contains(DashboardQueries.PREFIX + "scorerBreakerState"), "names parsed: " + used);
        used.remove("up"); // Prometheus's own: whether the scrape answered
        Set<String> undocumented = new TreeSet<>(used);
        undocumented.removeAll(documented);
        assertEquals(Set.of(), undocumented, "alert metrics missing from the README table (HealthAndMetricsEndToEndTest checks the table live)");
    }

    @Test
    void composeMountsTheRulesAndRunsTheAlertmanagerPrometheusSendsTo() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode services = yaml.readTree(REPO.resolve("docker-compose.yml").toFile()).path("services");
        Set<String> prometheusVolumes = new HashSet<>();
        services.path("prometheus").path("volumes").forEach(v -> prometheusVolumes.add(v.asText()));
        JsonNode config = yaml.readTree(PROMETHEUS_DIR.resolve("prometheus.yml").toFile());
        for (JsonNode ruleFile : config.path("rule_files")) {
            String f = ruleFile.asText();
            assertTrue(Files.isRegularFile(PROMETHEUS_DIR.resolve(f)), f);
            assertTrue(prometheusVolumes.contains("./deploy/prometheus/" + f + ":/etc/prometheus/" + f + ":ro"),
                    "compose mounts " + f + " next to prometheus.yml: " + prometheusVolumes);
        }
        String target = config.path("alerting").path("alertmanagers").get(0).path("static_configs").get(0).path("targets").get(0).asText();
        String[] hostPort = target.split(":");
        JsonNode alertmanager = services.path(hostPort[0]);
        assertFalse(alertmanager.isMissingNode(), "compose has the service Prometheus sends alerts to: " + target);
        assertTrue(alertmanager.path("ports").toString().contains(":" + hostPort[1] + "\""), alertmanager.path("ports").toString());
        Set<String> amVolumes = new HashSet<>();
        alertmanager.path("volumes").forEach(v -> amVolumes.add(v.asText()));
        assertTrue(amVolumes.contains("./deploy/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"), amVolumes.toString());
    }

    /** Alert names of the README's runbook table ("## Alerts and runbooks"). */
    static Set<String> readmeRunbookNames() throws IOException {
        Set<String> names = new TreeSet<>();
        boolean inSection = false;
        Pattern row = Pattern.compile("^\\| `(Router[A-Za-z]+)`");
        for (String line : Files.readAllLines(REPO.resolve("README.md"))) {
            if (line.startsWith("## ")) inSection = line.equals("## Alerts and runbooks");
            Matcher m = row.matcher(line);
            if (inSection && m.find()) names.add(m.group(1));
        }
        return names;
    }

    /** Alert names that some case of alerts.test.yml expects to fire. */
    private static Set<String> firingTestCases() throws IOException {
        Set<String> out = new TreeSet<>();
        JsonNode tests = new YAMLMapper().readTree(PROMETHEUS_DIR.resolve("alerts.test.yml").toFile());
        for (JsonNode t : tests.path("tests")) {
            for (JsonNode a : t.path("alert_rule_test")) {
                if (a.path("exp_alerts").size() > 0) out.add(a.path("alertname").asText());
            }
        }
        return out;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        System.out.println(String.join(" ", command) + "\n" + out);
        assertEquals(0, p.exitValue(), String.join(" ", new ArrayList<>(List.of(command))) + " failed:\n" + out);
        return out;
    }
}
