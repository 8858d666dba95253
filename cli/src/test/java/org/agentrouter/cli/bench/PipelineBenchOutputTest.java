package org.agentrouter.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline benchmark's outputs: sweep CSV columns, JSON, the chart file, and reading the job's stage metrics. */
class PipelineBenchOutputTest {
    @TempDir
    Path dir;

    private static PipelineBenchResults.Step step(double rate, double p50, boolean drained) {
        return new PipelineBenchResults.Step(rate, rate, drained ? rate : rate / 2, 100, drained ? 0 : 40,
                p50, p50 * 2, p50 * 3, p50 * 4, p50 * 5, 1.5, 4.0, Map.of("retrieval", 900.0, "scoring", 40.0),
                0.8, 0.3, 0.2, 800_000.0 / rate, 300_000.0 / rate, Map.of("retrieve (memor #91", 0.4), 1.2, null);
    }

    private static PipelineBenchResults results() {
        return new PipelineBenchResults("2026-11-26T05:00:00Z", "test CPU", 2, new double[] {1, 2, 3}, new double[] {1, 2, 3},
                new PipelineBenchResults.Setup(1, 10_000, 4, true, "at-least-once", 1000, true, 10, 20, "hashmap", 1, 30, List.of()),
                List.of(step(100, 20, true), step(500, 35, true), step(1000, 900, false)));
    }

    @Test
    void writesJsonCsvAndAChartThatParses() throws Exception {
        List<Path> written = results().write(dir, "sweep");
        assertEquals(List.of(dir.resolve("sweep.json"), dir.resolve("sweep.csv"), dir.resolve("sweep.png")), written);

        List<String> csv = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals(String.join(",", PipelineBenchResults.CSV_COLUMNS), csv.get(0));
        assertEquals(4, csv.size());
        assertTrue(List.of(csv.get(0).split(",")).containsAll(List.of("offered_per_s", "decisions_per_s", "p50_ms", "p95_ms",
                "p99_ms", "p999_ms", "job_cpu_cores", "broker_cpu_cores", "job_cpu_us_per_decision", "broker_cpu_us_per_decision",
                "load_average_1m")));
        for (String row : csv.subList(1, csv.size())) {
            assertEquals(PipelineBenchResults.CSV_COLUMNS.size(), row.split(",", -1).length, row);
        }
        assertTrue(csv.get(1).endsWith(",true"));
        assertTrue(csv.get(3).endsWith(",false"), "a step that did not drain is not sustained");

        JsonNode json = new ObjectMapper().readTree(dir.resolve("sweep.json").toFile());
        assertEquals(3, json.get("steps").size());
        assertEquals(10_000, json.get("setup").get("memories").asInt());
        assertEquals(900.0, json.get("steps").get(0).get("stageMicrosP50").get("retrieval").asDouble());

        BufferedImage chart = ImageIO.read(dir.resolve("sweep.png").toFile());
        assertNotNull(chart, "the chart is a readable PNG");
        assertEquals(LatencyChart.WIDTH, chart.getWidth());
        assertEquals(LatencyChart.HEIGHT, chart.getHeight());
    }

    @Test
    void jsonLinesCarryCpuPerDecisionInSnakeCaseAndAnIdleStepHasNone() throws Exception {
        JsonNode busy = new ObjectMapper().readTree(PipelineBenchResults.jsonLine(step(1000, 20, true)));
        assertEquals(800.0, busy.get("job_cpu_us_per_decision").asDouble());
        assertEquals(300.0, busy.get("broker_cpu_us_per_decision").asDouble());
        assertTrue(busy.get("sustained").asBoolean());
        PipelineBenchResults.Step idle = new PipelineBenchResults.Step(0, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                0, Double.NaN, Double.NaN, Map.of(), 0.04, 0.03, 0.01, null, null, Map.of(), 1.0, null);
        JsonNode line = new ObjectMapper().readTree(PipelineBenchResults.jsonLine(idle));
        assertEquals(0.04, line.get("job_cpu_cores").asDouble());
        assertTrue(line.get("job_cpu_us_per_decision").isNull());
        assertFalse(PipelineBenchResults.jsonLine(idle).contains("\n"), "one line per step");
    }

    @Test
    void ratesAreNumbersIdleOrMax() {
        assertEquals(PipelineSweep.IDLE, PipelineBenchCommand.parseRate("0"));
        assertEquals(PipelineSweep.IDLE, PipelineBenchCommand.parseRate("idle"));
        assertEquals(PipelineSweep.AS_FAST_AS_POSSIBLE, PipelineBenchCommand.parseRate("max"));
        assertEquals(200.0, PipelineBenchCommand.parseRate(" 200 "));
    }

    @Test
    void readsStageMediansFromAPrometheusScrapeAveragingSubtasks() {
        String scrape = String.join("\n",
                "# TYPE flink_taskmanager_job_task_operator_router_retrievalLatencyUs summary",
                "flink_taskmanager_job_task_operator_router_retrievalLatencyUs{subtask_index=\"0\",quantile=\"0.5\",} 1000.0",
                "flink_taskmanager_job_task_operator_router_retrievalLatencyUs{subtask_index=\"1\",quantile=\"0.5\",} 3000.0",
                "flink_taskmanager_job_task_operator_router_retrievalLatencyUs{subtask_index=\"0\",quantile=\"0.99\",} 9000.0",
                "flink_taskmanager_job_task_operator_router_scoringLatencyUs{subtask_index=\"0\",quantile=\"0.5\",} 42.0",
                "flink_taskmanager_job_task_operator_router_processingLatencyUs{subtask_index=\"0\",quantile=\"0.5\",} 2500.0",
                "flink_taskmanager_job_task_operator_router_variant_processingLatencyUs{variant=\"champion\",quantile=\"0.5\",} 1.0",
                "flink_taskmanager_job_task_operator_router_scoringLatencyUs_count{subtask_index=\"0\",} 77.0",
                "");
        Map<String, Double> p50 = PipelineSweep.PrometheusStages.p50Micros(scrape);
        assertEquals(Map.of("retrieval", 2000.0, "scoring", 42.0, "in-job total", 2500.0), p50);
        assertFalse(PipelineSweep.PrometheusStages.p50Micros("").containsKey("retrieval"));
    }
}
