package org.agentrouter.cli.ops;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.agentrouter.cluster.FlinkRest;
import org.agentrouter.fuzz.FuzzReport;
import org.agentrouter.fuzz.FuzzSettings;
import org.agentrouter.job.RouterJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.HumanDuration;
/**
 * {@code ./router fuzz}: hostile traffic against a running router (staging), and whether it held: every refused
 * record dead-lettered exactly once with the category the job's own intake gives, every clean query decided, no
 * refused memory retrievable, and (with {@code --flink-rest}) no restart.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Sends mutated and edge-case records to agent-queries, routing-feedback and agent-memories of a running router,"
                + " with clean queries among them, and checks what it made of them (exit 0: everything as promised, 1: a deviation).",
                "Uses fresh namespaces named fuzz-<run>-N; their memories stay in the router (delete them or use a staging router)."})
public final class FuzzCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE})")
    String bootstrap = "127.0.0.1:9092";

    @picocli.CommandLine.Mixin
    org.agentrouter.job.KafkaPropertiesOption kafkaProperties = new org.agentrouter.job.KafkaPropertiesOption();

    @Option(names = "--records", description = "damaged or edge-case records to send (default: ${DEFAULT-VALUE})")
    int records = 10_000;

    @Option(names = "--valid-queries", description = "clean queries among them, each must be decided (default: ${DEFAULT-VALUE})")
    int validQueries = 200;

    @Option(names = "--damage-share", description = "share of records whose bytes are damaged (default: ${DEFAULT-VALUE})")
    double damageShare = 0.8;

    @Option(names = "--seed", description = "default: ${DEFAULT-VALUE}")
    long seed = 1;

    @Option(names = "--probes", description = "memories probed afterwards (default: ${DEFAULT-VALUE})")
    int probes = 300;

    @Option(names = "--timeout", converter = HumanDuration.class, defaultValue = "3m",
            description = "how long to wait for the router's answers (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--flink-rest", description = "the router's Flink REST address (http://host:8081): also check that the job did not restart")
    String flinkRest;

    @Option(names = "--k", description = "the router's --k: the largest context_k it accepts (default: ${DEFAULT-VALUE})")
    int k = new org.agentrouter.flink.RouterConfig().retrievalK;

    @Option(names = "--max-record-bytes", description = "the router's --max-record-bytes (default: ${DEFAULT-VALUE})")
    int maxRecordBytes = new org.agentrouter.intake.InputLimits().maxRecordBytes;

    @Option(names = "--max-text-chars", description = "the router's --max-text-chars (default: ${DEFAULT-VALUE})")
    int maxTextChars = new org.agentrouter.intake.InputLimits().maxTextChars;

    @Override
    public Integer call() throws Exception {
        FuzzSettings s = new FuzzSettings();
        s.records = records;
        s.validQueries = validQueries;
        s.damageShare = damageShare;
        s.seed = seed;
        s.memoryProbes = probes;
        s.maxContextK = k;
        s.limits.maxRecordBytes = maxRecordBytes;
        s.limits.maxTextChars = maxTextChars;
        FlinkRest rest = flinkRest == null ? null : new FlinkRest(flinkRest);
        String jobId = rest == null ? null : rest.runningJob(RouterJob.JOB_NAME);
        if (rest != null && jobId == null) throw new IllegalStateException("no running " + RouterJob.JOB_NAME + " job at " + flinkRest);
        long restartsBefore = rest == null ? -1 : rest.numRestarts(jobId, Duration.ofSeconds(15));

        // An operator's principal: it writes the three input topics and reads agent-queries-dlq and routing-decisions.
        Properties security = kafkaProperties.connect(bootstrap).settings();
        FuzzReport report = org.agentrouter.fuzz.FuzzRun.run(bootstrap, security, s, timeout, line -> System.err.println(line));
        if (rest != null) report.restarts = rest.numRestarts(jobId, Duration.ofSeconds(15)) - restartsBefore;
        System.out.print(report.table());
        var problems = report.problems();
        if (problems.isEmpty()) {
            System.out.println("OK: every refused record dead-lettered once, every clean query decided, no refused memory retrievable");
            return 0;
        }
        problems.forEach(p -> System.out.println("PROBLEM: " + p));
        report.examples().forEach(e -> System.out.println("  e.g. " + e));
        return 1;
    }
}
