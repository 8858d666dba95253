package org.agentrouter.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.agentrouter.runtime.Topics;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * docker-compose.yml, the Prometheus and Grafana provisioning and the dashboard cannot run here (no Docker
 * engine), so their structure is checked: services, ports, mounted files, topics, scrape ports, datasource
 * uids, panel ids and the metric names every query uses. That the names are what the job really exports
 * is checked against a live scrape in HealthAndMetricsEndToEndTest.
 */
class DeploymentFilesTest {
    private static final Path REPO = DashboardQueries.repo();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> FLINK_SERVICES = Set.of("jobmanager", "taskmanager");

    private static JsonNode compose() throws IOException {
        return YAML.readTree(REPO.resolve("docker-compose.yml").toFile());
    }

    @Test
    void composeHasEveryServiceWithPinnedImagesAndItsPorts() throws Exception {
        JsonNode services = compose().path("services");
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertTrue(names.containsAll(Set.of("kafka", "create-topics", "jobmanager", "taskmanager", "submit-job", "prometheus", "grafana")),
                "services: " + names);
        Map<String, String> hostPorts = new HashMap<>();
        for (String name : names) {
            String image = services.path(name).path("image").asText();
            assertTrue(image.matches("[^:]+:v?[0-9][^:]*"), name + ": image pinned to a version tag, got '" + image + "'");
            for (JsonNode port : services.path(name).path("ports")) {
                String host = port.asText().split(":")[0];
                String previous = hostPorts.put(host, name);
                assertEquals(null, previous, "host port " + host + " published twice");
            }
        }
        assertEquals("kafka", hostPorts.get("29092"));
        assertEquals("jobmanager", hostPorts.get("8081"));
        assertEquals("prometheus", hostPorts.get("9090"));
        assertEquals("grafana", hostPorts.get("3000"));

        // One Flink version everywhere: the images and the client the job is built against.
        String flinkVersion = pomProperty("flink.version");
        for (String s : List.of("jobmanager", "taskmanager", "submit-job")) {
            assertTrue(services.path(s).path("image").asText().startsWith("flink:" + flinkVersion + "-"),
                    s + " runs Flink " + flinkVersion);
        }
        String kafkaMinor = pomProperty("kafka.version").replaceAll("^(\\d+\\.\\d+).*", "$1");
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:" + kafkaMinor + "."));
    }

    @Test
    void everyMountedHostPathExistsOrIsADocumentedBuildOutput() throws Exception {
        String header = Files.readString(REPO.resolve("docker-compose.yml"));
        Set<String> buildOutputs = Set.of(clusterJarPath(), ".run/demo");
        JsonNode services = compose().path("services");
        List<String> checked = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            for (JsonNode volume : e.getValue().path("volumes")) {
                String host = volume.asText().split(":")[0];
                if (!host.startsWith("./")) continue; // a named volume
                String rel = host.substring(2);
                checked.add(rel);
                if (buildOutputs.contains(rel)) {
                    assertTrue(header.contains(rel), rel + " is a build output: the header comment must say how to make it");
                } else {
                    assertTrue(Files.exists(REPO.resolve(rel)), e.getKey() + " mounts " + host + ", which is not in the repository");
                }
            }
        });
        assertTrue(checked.contains(clusterJarPath()), "the job jar is mounted: " + checked);
        assertTrue(checked.contains("deploy/grafana/dashboards"), "the dashboards are mounted: " + checked);
    }

    @Test
    void createTopicsMakesExactlyTheTopicsOfTopicsJava() throws Exception {
        String script = compose().path("services").path("create-topics").path("command").get(0).asText();
        Matcher loop = Pattern.compile("for t in ([^;]+); do\\s*\\n([^\\n]*)").matcher(script);
        Set<String> all = new TreeSet<>();
        Set<String> compacted = new TreeSet<>();
        while (loop.find()) {
            List<String> topics = List.of(loop.group(1).trim().split("\\s+"));
            all.addAll(topics);
            if (loop.group(2).contains("cleanup.policy=compact")) compacted.addAll(topics);
        }
        assertEquals(new TreeSet<>(Topics.ALL), all);
        assertEquals(new TreeSet<>(Topics.COMPACTED), compacted);
    }

    @Test
    void deleteMarkersLiveAsLongAsAgentMemoriesKeepsDeletes() throws Exception {
        String script = compose().path("services").path("create-topics").path("command").get(0).asText();
        assertTrue(script.contains("delete.retention.ms=" + Topics.AGENT_MEMORIES_DELETE_RETENTION_MS), script);
        assertEquals(Topics.AGENT_MEMORIES_DELETE_RETENTION_MS, new org.agentrouter.flink.RouterConfig().deleteMarkerRetentionMs);
        assertEquals(Topics.AGENT_MEMORIES_DELETE_RETENTION_MS, new org.agentrouter.job.JobOptions().routerConfig().deleteMarkerRetentionMs);
    }

    @Test
    void theClusterStartsEveryJvmWithAvrosDecodingLimits() throws Exception {
        JsonNode flinkConf = YAML.readTree(REPO.resolve("flink-conf/config.yaml").toFile());
        String all = flinkConf.path("env").path("java").path("opts").path("all").asText();
        org.agentrouter.wire.AvroLimits.properties().forEach((k, v) ->
                assertTrue(all.contains("-D" + k + "=" + v + " "), "env.java.opts.all sets -D" + k + "=" + v));
    }

    @Test
    void prometheusScrapesTheReporterPortOfEveryFlinkProcess() throws Exception {
        JsonNode flinkConf = YAML.readTree(REPO.resolve("flink-conf/config.yaml").toFile());
        JsonNode prom = flinkConf.path("metrics").path("reporter").path("prom");
        assertEquals("org.apache.flink.metrics.prometheus.PrometheusReporterFactory", prom.path("factory").path("class").asText());
        String[] range = prom.path("port").asText().split("-");
        int low = Integer.parseInt(range[0]);
        int high = Integer.parseInt(range[range.length - 1]);

        JsonNode services = compose().path("services");
        Map<String, Integer> reporterPort = new HashMap<>();
        for (String s : FLINK_SERVICES) {
            JsonNode svc = services.path(s);
            assertTrue(volumes(svc).contains("./flink-conf/config.yaml:/opt/flink/conf/config.yaml:ro"), s + " uses config.yaml");
            JsonNode overrides = YAML.readTree(svc.path("environment").path("FLINK_PROPERTIES").asText());
            int port = overrides.path("metrics.reporter.prom.port").asInt(low);
            assertTrue(port >= low && port <= high, s + " reporter port " + port + " inside config.yaml's " + low + "-" + high);
            reporterPort.put(s, port);
        }

        JsonNode scrape = YAML.readTree(REPO.resolve("deploy/prometheus/prometheus.yml").toFile()).path("scrape_configs");
        Map<String, Integer> scraped = new HashMap<>();
        for (JsonNode job : scrape) {
            for (JsonNode sd : job.path("dns_sd_configs")) {
                for (JsonNode host : sd.path("names")) scraped.put(host.asText(), sd.path("port").asInt());
            }
            for (JsonNode st : job.path("static_configs")) {
                for (JsonNode t : st.path("targets")) {
                    String[] hp = t.asText().split(":");
                    scraped.put(hp[0], Integer.parseInt(hp[1]));
                }
            }
        }
        assertEquals(reporterPort, filter(scraped, FLINK_SERVICES), "Prometheus scrapes each Flink service on its reporter port");
        assertTrue(volumes(services.path("prometheus")).contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    }

    @Test
    void grafanaProvisionsTheDashboardFromTheMountedDirectory() throws Exception {
        JsonNode grafana = compose().path("services").path("grafana");
        assertEquals("true", grafana.path("environment").path("GF_AUTH_ANONYMOUS_ENABLED").asText());
        assertEquals("Viewer", grafana.path("environment").path("GF_AUTH_ANONYMOUS_ORG_ROLE").asText());
        Map<String, String> mounts = new HashMap<>();
        for (String v : volumes(grafana)) {
            String[] p = v.split(":");
            mounts.put(p[1], p[0].substring(2));
        }
        Path provisioning = REPO.resolve(mounts.get("/etc/grafana/provisioning"));
        JsonNode provider = YAML.readTree(provisioning.resolve("dashboards/agent-router.yml").toFile()).path("providers").get(0);
        String dashboardsInContainer = provider.path("options").path("path").asText();
        assertEquals("deploy/grafana/dashboards", mounts.get(dashboardsInContainer), "the provider reads the mounted dashboards");
        assertTrue(Files.isRegularFile(REPO.resolve(mounts.get(dashboardsInContainer)).resolve("agent-router.json")));
        String home = grafana.path("environment").path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
        assertTrue(home.startsWith(dashboardsInContainer + "/") && Files.isRegularFile(
                REPO.resolve(mounts.get(dashboardsInContainer)).resolve(home.substring(dashboardsInContainer.length() + 1))));
    }

    @Test
    void dashboardIsWellFormedAndUsesOnlyProvisionedDatasourcesAndDocumentedMetrics() throws Exception {
        JsonNode dash = DashboardQueries.dashboardJson();
        Set<String> uids = new HashSet<>();
        for (JsonNode ds : YAML.readTree(REPO.resolve("deploy/grafana/provisioning/datasources/prometheus.yml").toFile()).path("datasources")) {
            uids.add(ds.path("uid").asText());
        }
        assertFalse(uids.isEmpty());
        Set<Integer> ids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        List<JsonNode> all = new ArrayList<>();
        dash.path("panels").forEach(all::add);
        dash.path("templating").path("list").forEach(all::add);
        for (JsonNode panel : dash.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt(-1)), "panel id " + panel.path("id") + " unique");
            assertTrue(panel.path("id").asInt(-1) > 0);
            assertFalse(panel.path("title").asText().isBlank());
            assertTrue(titles.add(panel.path("title").asText()), "panel title unique: " + panel.path("title"));
            JsonNode grid = panel.path("gridPos");
            assertTrue(grid.path("w").asInt() > 0 && grid.path("x").asInt() + grid.path("w").asInt() <= 24, "gridPos of " + panel.path("title"));
            if (!panel.path("type").asText().equals("row")) {
                assertTrue(panel.path("targets").size() > 0, panel.path("title") + " has a query");
            }
        }
        for (JsonNode node : all) {
            checkDatasources(node, uids);
        }
        List<String> exprs = DashboardQueries.expressions(dash);
        for (String e : exprs) {
            assertFalse(e.isBlank());
            assertEquals(count(e, '('), count(e, ')'), "balanced parentheses: " + e);
            assertEquals(count(e, '{'), count(e, '}'), "balanced braces: " + e);
        }
        Set<String> used = DashboardQueries.metricNames(exprs);
        Set<String> documented = DashboardQueries.readmeMetricNames();
        assertTrue(documented.size() >= 15, "README metrics table parsed: " + documented);
        Set<String> undocumented = new TreeSet<>(used);
        undocumented.removeAll(documented);
        assertEquals(Set.of(), undocumented, "dashboard metrics missing from the README table");
        // Every requested view is there.
        for (String needed : List.of("queriesAccepted", "route_decisions", "endToEndLatencyMs", "retrievalLatencyUs", "scoringLatencyUs",
                "model_costMicroUsd", "model_savedMicroUsd", "level_fallbacks", "scorerBreakerState", "retrievalBreakerState",
                "modelVersion", "category_deadLetters")) {
            assertTrue(used.contains(DashboardQueries.PREFIX + needed), "dashboard shows " + needed);
        }
        assertTrue(dash.path("panels").findValues("type").stream().anyMatch(t -> t.asText().equals("heatmap")), "a heatmap");
    }

    private static void checkDatasources(JsonNode node, Set<String> uids) {
        JsonNode ds = node.path("datasource");
        if (ds.isObject()) {
            assertEquals("prometheus", ds.path("type").asText());
            assertTrue(uids.contains(ds.path("uid").asText()), "datasource uid " + ds.path("uid") + " is provisioned");
        } else if (!ds.isMissingNode()) {
            fail("datasource by name instead of uid: " + ds);
        }
        for (JsonNode t : node.path("targets")) checkDatasources(t, uids);
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }

    private static Set<String> volumes(JsonNode service) {
        Set<String> out = new LinkedHashSet<>();
        service.path("volumes").forEach(v -> out.add(v.asText()));
        return out;
    }

    private static Map<String, Integer> filter(Map<String, Integer> m, Set<String> keys) {
        Map<String, Integer> out = new HashMap<>(m);
        out.keySet().retainAll(keys);
        return out;
    }

    private static String pomProperty(String name) throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(REPO.resolve("pom.xml").toFile());
        return pom.getElementsByTagName(name).item(0).getTextContent().trim();
    }

    /** What maven-shade writes: artifactId-version-classifier.jar in job/target. */
    private static String clusterJarPath() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(REPO.resolve("job/pom.xml").toFile());
        Element root = pom.getDocumentElement();
        String artifactId = null;
        for (org.w3c.dom.Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals("artifactId")) artifactId = n.getTextContent().trim();
        }
        String version = ((Element) root.getElementsByTagName("parent").item(0)).getElementsByTagName("version").item(0).getTextContent().trim();
        String classifier = root.getElementsByTagName("shadedClassifierName").item(0).getTextContent().trim();
        return "job/target/" + artifactId + "-" + version + "-" + classifier + ".jar";
    }
}
