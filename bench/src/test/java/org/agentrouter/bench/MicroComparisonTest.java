package org.agentrouter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.agentrouter.bench.MicroComparison.Status;
import org.agentrouter.bench.MicroComparison.Verdict;
import org.junit.jupiter.api.Test;

class MicroComparisonTest {
    private static final String BASELINE = """
            {
              "format": "agent-router-micro/1", "date": "2026-11-26T02:00:00Z", "mode": "full",
              "cpu": "AMD EPYC", "cores": 2, "jvm": "OpenJDK 64-Bit Server VM 17", "loadAverage": [0.5, 0.6, 0.7],
              "benchmarks": [
                {"name": "ScoringBenchmark.onnxScore100", "params": {"model": "default"}, "unit": "us/op",
                 "p50": 10.0, "p90": 12.0, "p99": 30.0, "p999": 80.0, "mean": 11.0, "samples": 1000, "bytesPerOp": 448.0},
                {"name": "ScoringBenchmark.onnxScore100", "params": {"model": "mlp"}, "unit": "us/op",
                 "p50": 4.0, "p90": 5.0, "p99": 9.0, "p999": 20.0, "mean": 4.2, "samples": 1000, "bytesPerOp": 448.0},
                {"name": "InOperatorPathBenchmark.retrievedCandidatesToDecision", "params": {}, "unit": "us/op",
                 "p50": 40.0, "p90": 50.0, "p99": 90.0, "p999": 200.0, "mean": 42.0, "samples": 1000, "bytesPerOp": 9000.0},
                {"name": "ConformalBenchmark.conformalDecision", "unit": "us/op",
                 "p50": 0.020, "p90": 0.030, "p99": 0.050, "p999": 0.1, "mean": 0.021, "samples": 1000, "bytesPerOp": 0.0},
                {"name": "AvroWireBenchmark.encodeQuery", "unit": "us/op",
                 "p50": 20.0, "p90": 22.0, "p99": 40.0, "p999": 90.0, "mean": 21.0, "samples": 1000}
              ]
            }
            """;

    /** The same suite later: scoring 15% slower for one model and 5% for the other, the path faster, etc. */
    private static final String CURRENT = """
            {
              "format": "agent-router-micro/1", "date": "2026-11-27T02:00:00Z", "mode": "quick",
              "cpu": "AMD EPYC", "cores": 2, "jvm": "OpenJDK 64-Bit Server VM 17", "loadAverage": [0.4, 0.5, 0.6],
              "benchmarks": [
                {"name": "ScoringBenchmark.onnxScore100", "params": {"model": "default"}, "unit": "us/op",
                 "p50": 11.5, "p90": 13.0, "p99": 31.0, "p999": 81.0, "mean": 12.0, "samples": 900, "bytesPerOp": 448.0},
                {"name": "ScoringBenchmark.onnxScore100", "params": {"model": "mlp"}, "unit": "us/op",
                 "p50": 4.2, "p90": 5.0, "p99": 9.0, "p999": 20.0, "mean": 4.3, "samples": 900, "bytesPerOp": 448.0},
                {"name": "InOperatorPathBenchmark.retrievedCandidatesToDecision", "params": {}, "unit": "us/op",
                 "p50": 30.0, "p90": 40.0, "p99": 80.0, "p999": 150.0, "mean": 31.0, "samples": 900, "bytesPerOp": 7000.0},
                {"name": "ConformalBenchmark.conformalDecision", "unit": "us/op",
                 "p50": 0.030, "p90": 0.040, "p99": 0.060, "p999": 0.1, "mean": 0.031, "samples": 900, "bytesPerOp": 0.0},
                {"name": "FeatureAssemblyBenchmark.assemble100Candidates", "unit": "us/op",
                 "p50": 3.0, "p90": 3.5, "p99": 6.0, "p999": 12.0, "mean": 3.1, "samples": 900, "bytesPerOp": 0.0}
              ]
            }
            """;

    private static Map<String, Verdict> byKey(List<Verdict> verdicts) {
        return verdicts.stream().collect(Collectors.toMap(Verdict::key, v -> v));
    }

    @Test
    void flagsOnlyTheBenchmarkMoreThanTenPercentSlower() throws IOException {
        List<Verdict> verdicts = MicroComparison.compare(MicroResults.parse(BASELINE), MicroResults.parse(CURRENT), 0.10, 0.05);
        Map<String, Verdict> v = byKey(verdicts);

        assertEquals(Status.SLOWER, v.get("ScoringBenchmark.onnxScore100[model=default]").status());
        assertEquals(1.15, v.get("ScoringBenchmark.onnxScore100[model=default]").ratio(), 1e-9);
        assertEquals(Status.OK, v.get("ScoringBenchmark.onnxScore100[model=mlp]").status());
        assertEquals(Status.FASTER, v.get("InOperatorPathBenchmark.retrievedCandidatesToDecision").status());
        // +50% but 10 ns: below the absolute floor, timer granularity rather than a regression
        assertEquals(Status.OK, v.get("ConformalBenchmark.conformalDecision").status());
        assertEquals(Status.NEW, v.get("FeatureAssemblyBenchmark.assemble100Candidates").status());
        assertEquals(Status.MISSING, v.get("AvroWireBenchmark.encodeQuery").status());
        assertEquals(6, verdicts.size());
        assertTrue(MicroComparison.anyRegression(verdicts));
        assertEquals(448.0, v.get("ScoringBenchmark.onnxScore100[model=default]").currentBytesPerOp());
    }

    @Test
    void theAbsoluteFloorCanBeLowered() throws IOException {
        Map<String, Verdict> v = byKey(MicroComparison.compare(MicroResults.parse(BASELINE), MicroResults.parse(CURRENT), 0.10, 0.0));
        assertEquals(Status.SLOWER, v.get("ConformalBenchmark.conformalDecision").status());
    }

    @Test
    void aRunComparedWithItselfHasNoRegression() throws IOException {
        MicroResults same = MicroResults.parse(BASELINE);
        List<Verdict> verdicts = MicroComparison.compare(same, same, 0.10, 0.05);
        assertFalse(MicroComparison.anyRegression(verdicts));
        assertTrue(verdicts.stream().allMatch(x -> x.status() == Status.OK));
        String table = MicroComparison.table(verdicts);
        assertTrue(table.contains("ScoringBenchmark.onnxScore100[model=mlp]"), table);
    }

    @Test
    void refusesDifferentUnitsAndForeignFiles() throws IOException {
        MicroResults nanos = MicroResults.parse(BASELINE.replace("\"us/op\"", "\"ns/op\""));
        assertThrows(IllegalArgumentException.class,
                () -> MicroComparison.compare(MicroResults.parse(BASELINE), nanos, 0.10, 0.05));
        assertThrows(IOException.class, () -> MicroResults.parse("{\"format\": \"jmh\", \"benchmarks\": []}"));
    }

    @Test
    void writtenResultsReadBackTheSame() throws IOException {
        MicroResults r = MicroResults.parse(CURRENT);
        MicroResults again = MicroResults.parse(r.toJson());
        assertEquals(r.benchmarks(), again.benchmarks());
        assertEquals("quick", again.mode());
    }
}
