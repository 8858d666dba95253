package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.agentrouter.cluster.FlinkRest;
import org.agentrouter.fuzz.FuzzReport;
import org.agentrouter.fuzz.FuzzRun;
import org.agentrouter.fuzz.FuzzSettings;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.Topics;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16's proof through Kafka: 100,000 damaged and edge-case records across agent-queries, routing-feedback and
 * agent-memories, with 1,000 clean queries among them, against the running job on a real broker. The job must not
 * restart, must decide every clean query once, must dead-letter every record its own intake refuses exactly once
 * with that category (and nothing else), and no refused memory may be retrievable while accepted ones are.
 */
class HostileInputEndToEndTest {
    @TempDir
    static Path dir;

    @Test
    void aHundredThousandHostileRecordsNeitherStopNorSlipThroughTheJob() throws Exception {
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
            Topics.ensure(kafka.bootstrap(), 2, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.checkpointIntervalMs = 2000;
            int restPort = freePort();
            JobClient job = LocalRouterJob.start(kafka.bootstrap(), options, restPort, 0, dir.resolve("job"));
            try {
                FuzzSettings s = new FuzzSettings();
                s.records = Integer.getInteger("fuzz.records", 100_000);
                s.validQueries = 1_000;
                s.seed = 16;
                FuzzReport report = FuzzRun.run(kafka.bootstrap(), new Properties(), s, Duration.ofMinutes(4), System.out::println);
                System.out.print(report.table());
                report.restarts = new FlinkRest("127.0.0.1:" + restPort).numRestarts(job.getJobID().toString(),
                        Duration.ofSeconds(15));
                report.examples().forEach(e -> System.out.println("  e.g. " + e));

                assertEquals(java.util.List.of(), report.problems());
                assertEquals(0, report.restarts, "numRestarts");
                assertEquals(JobStatus.RUNNING, job.getJobStatus().get());
                // The run must have exercised what it claims: most fuzzed records refused, some accepted, both probes.
                FuzzReport.Row queries = report.byTopic.get(Topics.AGENT_QUERIES);
                assertTrue(queries.tried > 40_000 && queries.deadLettered > queries.tried / 2, "queries " + queries.deadLettered);
                assertTrue(report.validDecided == 1_000, "clean queries decided");
                assertTrue(report.probesAccepted >= 20 && report.probesRefused >= 20,
                        "probes: " + report.probesAccepted + " accepted, " + report.probesRefused + " refused");
            } finally {
                job.cancel().get();
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
