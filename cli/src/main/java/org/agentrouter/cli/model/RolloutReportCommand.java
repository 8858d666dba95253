package org.agentrouter.cli.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.agentrouter.cli.options.HumanDuration;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.job.KafkaPropertiesOption;
import org.agentrouter.rollout.report.RolloutRecords;
import org.agentrouter.rollout.report.RolloutReport;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.runtime.RolloutTopics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Compares the challenger (live, else in shadow mode) with the champion on routing-metrics and",
            "routing-feedback: per variant decisions, outcomes, cost saved against all-strong and violation rate with 95%",
            "intervals; challenger minus champion with its interval; the violation-rate increase detectable now and the",
            "outcomes still needed to detect --effect (two-sided 0.05, power 0.8); and a verdict: better, worse,",
            "trade-off, same or not yet known (README, \"Rollout report\"). By default since the newest challenger's first",
            "decision; --window limits it to the last DURATION."})
final class RolloutReportCommand implements Callable<Integer> {
    @Option(names = "--window", converter = HumanDuration.class, paramLabel = "DURATION",
            description = "only decisions of the last DURATION (e.g. 6h); default: since the challenger started")
    Duration window;

    @Option(names = "--effect", description = "violation-rate increase to size the sample for, and the margin of 'better' "
            + "and 'same' (default: ${DEFAULT-VALUE})")
    double effect = RolloutReport.Settings.defaults().effect();

    @Option(names = "--min-outcomes", description = "outcomes (and decisions) each side needs before a verdict (default: ${DEFAULT-VALUE})")
    long minOutcomes = RolloutReport.Settings.defaults().minOutcomes();

    @Option(names = "--json", description = "one JSON object instead of the table")
    boolean json;

    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Option(names = "--timeout", converter = HumanDuration.class, description = "for reaching Kafka and reading the topics (default: 2m)")
    Duration timeout = Duration.ofMinutes(2);

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Override
    public Integer call() throws Exception {
        if (!(effect > 0 && effect < 1)) throw new CommandLine.ParameterException(new CommandLine(this), "--effect takes (0, 1), got " + effect);
        long now = System.currentTimeMillis();
        KafkaConnection kafka = kafkaProperties.connect(bootstrap);
        // Without a window, read from a minute before the newest challenger was accepted (record timestamps are the
        // job's clock at the sink; the minute covers clock steps), else from the topics' beginning.
        long fromMs = window != null ? now - window.toMillis()
                : RolloutTopics.challengerAcceptedAtMs(kafka, timeout).stream().map(t -> t - 60_000).findFirst().orElse(0);
        PricingTable pricing = PricingTable.defaults();
        RolloutTopics.Read read = RolloutTopics.read(kafka, fromMs, pricing.tier(pricing.strongest()).route, timeout);
        RolloutRecords records = read.records();
        RolloutRecords.Scope scope = window == null ? records.sinceChallenger() : records.window(fromMs, Long.MAX_VALUE);
        RolloutReport report = RolloutReport.of(scope, records.tally(scope), new RolloutReport.Settings(effect, minOutcomes, minOutcomes));
        if (json) {
            ObjectNode out = report.json();
            ObjectNode r = out.putObject("read");
            r.put("metrics", records.metricsRead());
            r.put("feedback", records.feedbackRead());
            r.put("duplicate_feedback", records.duplicateFeedback());
            r.put("undecodable", read.undecodable());
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf("read %d decisions from routing-metrics and %d outcomes from routing-feedback%s%n", records.metricsRead(),
                    records.feedbackRead(), read.undecodable() > 0 ? " (" + read.undecodable() + " undecodable records skipped)" : "");
            System.out.print(report.text());
        }
        return 0;
    }
}
