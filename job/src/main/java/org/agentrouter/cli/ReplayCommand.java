package org.agentrouter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.replay.LearnerReplay;
import org.agentrouter.replay.ReplayRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays outcome data as a stream of queries from new agents (issue 21's protocol): each CSV file is a new",
            "namespace whose rows arrive in a seeded order; each decision is fed back as an agent would (only the chosen",
            "model's outcome, plus the other's for a probe) before the namespace's next query. Reports the learner's cold",
            "(first --cold queries of each namespace) and warm figures, the static router (learning off) on the same",
            "stream, and the curve per window. The shared prior and the stage thresholds come from --prior-data; when",
            "--data is that same directory, its subjects are replayed fold by fold against a prior and a calibration",
            "without them (the P1 subject folds)."})
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    OutcomeDataOptions outcomes = new OutcomeDataOptions();

    @Option(names = "--prior-data", description = "public outcome data (same columns) for the prior and the calibration (default: ${DEFAULT-VALUE})")
    Path priorData = DataPaths.mmlu();

    @Option(names = "--alpha", description = "the promised violation rate (default: ${DEFAULT-VALUE})")
    double alpha = 0.1;

    @Option(names = "--calibration-alpha", description = "the rate the stage thresholds are fitted to on the calibration"
            + " namespaces, below --alpha by a margin for the spread between sets of new namespaces (default: 0.7 x alpha)")
    Double calibrationAlpha;

    @Option(names = "--feedback", description = "chosen (only the answering model's outcome, plus probes) or both (default: ${DEFAULT-VALUE})")
    String feedback = "chosen";

    @Option(names = "--seed", description = "arrival order and probe draws (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--probe-share", description = "share of strong decisions that also ask for the cheap model's outcome (default: ${DEFAULT-VALUE})")
    double probeShare = 1.0;

    @Option(names = "--probe-until", description = "probes at full share until a namespace has this many outcomes, then the share falls as N / outcomes (default: ${DEFAULT-VALUE})")
    int probeUntil = 50;

    @Option(names = "--prior-weight", description = "pseudo-queries behind the prior when blended with a namespace's own rate (default: ${DEFAULT-VALUE})")
    double priorWeight = 20;

    @Option(names = "--k", description = "public outcomes per query in the prior's vote (default: ${DEFAULT-VALUE})")
    int k = 100;

    @Option(names = "--cold", description = "queries per namespace counted as cold (default: ${DEFAULT-VALUE})")
    int cold = 50;

    @Option(names = "--window", description = "queries per window of the curve (default: ${DEFAULT-VALUE})")
    int window = 50;

    @Option(names = "--test-fold", split = ",", description = "with the public data as --data: replay only these P1 folds (default: all)")
    List<Integer> folds;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!(alpha > 0 && alpha < 1)) throw new IllegalArgumentException("--alpha must be in (0, 1)");
        LearnerReplay.Feedback fb = switch (feedback.toLowerCase(Locale.ROOT)) {
            case "chosen" -> LearnerReplay.Feedback.CHOSEN;
            case "both" -> LearnerReplay.Feedback.BOTH;
            default -> throw new IllegalArgumentException("--feedback must be chosen or both, got " + feedback);
        };
        double calAlpha = calibrationAlpha != null ? calibrationAlpha : 0.7 * alpha;
        Set<Integer> foldSet = folds == null ? null : new TreeSet<>(folds);
        ReplayRun.Options options = new ReplayRun.Options(alpha, calAlpha, fb, seed, k, priorWeight, probeShare, probeUntil,
                cold, window, outcomes.goodAt, foldSet);
        OutcomeTable priorTable = OutcomeTable.load(priorData, outcomes.promptColumn, OutcomeDataOptions.MMLU_WEAK,
                OutcomeDataOptions.MMLU_STRONG);
        ReplayRun run = new ReplayRun(priorTable, options);
        boolean samePublic = Files.exists(outcomes.data) && Files.isSameFile(outcomes.data.toRealPath(), priorData.toRealPath());
        ReplayRun.Result result;
        if (samePublic) {
            result = run.unseenSubjects();
        } else {
            OutcomeTable data = OutcomeTable.load(outcomes.data, outcomes.promptColumn, outcomes.weak, outcomes.strong);
            result = run.newData(data);
        }
        Map<String, Object> report = run.json(result);
        report.put("data", outcomes.data.toString());
        report.put("protocol", samePublic ? "unseen subjects: P1 folds of the public data, each subject a new namespace"
                : "every file of --data a new namespace; prior and calibration on all of --prior-data");
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        }
        return 0;
    }
}
