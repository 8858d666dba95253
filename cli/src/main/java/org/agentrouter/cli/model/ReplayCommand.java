package org.agentrouter.cli.model;

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
import org.agentrouter.cli.options.DataPaths;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.learning.LearnerFiles;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.replay.LearnerFit;
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
            "stream, and the curve per window, overall and per fold. The learner (shared prior, stage thresholds with",
            "their nested-CV margin) is fitted on --prior-data; when --data is that same directory, its subjects are",
            "replayed fold by fold against a learner fitted without them (the P1 subject folds)."})
public final class ReplayCommand implements Callable<Integer> {
    @Mixin
    OutcomeDataOptions outcomes = new OutcomeDataOptions();

    @Option(names = "--prior-data", description = "public outcome data (same columns) for the prior and the calibration (default: ${DEFAULT-VALUE})")
    Path priorData = DataPaths.mmlu();

    @Option(names = "--alpha", description = "the promised violation rate (default: ${DEFAULT-VALUE})")
    double alpha = 0.1;

    @Option(names = "--targets", split = ",", description = "calibration targets the nested cross-validation picks the margin"
            + " from (the largest whose inner folds all hold --alpha; default: 0.02 to alpha in steps of 0.01)")
    List<Double> targets;

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

    @Option(names = "--l2", description = "ridge of the shared prior's logistic regression (default: ${DEFAULT-VALUE})")
    double l2 = org.agentrouter.replay.PriorFit.DEFAULT_L2;

    @Option(names = "--shape", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "the prior also reads the query's shape signals (--no-shape: the MiniLM row alone)")
    boolean shape = true;

    @Option(names = "--rounds", description = "rounds of the stage-threshold fit (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--stages", split = ",", description = "outcome counts at which a namespace enters its next stage (default: 0,10,25,50,100,200)")
    List<Integer> stages;

    @Option(names = "--min-namespaces", description = "a stage fewer calibration namespaces reach keeps the previous stage's threshold (default: ${DEFAULT-VALUE})")
    int minNamespaces = 10;

    @Option(names = "--subset-size", description = "the margin: sets of this many namespaces (a held-out fold's size) ... (default: ${DEFAULT-VALUE})")
    int subsetSize = 8;

    @Option(names = "--quantile", description = "... whose pooled violation rate must hold alpha at this quantile (default: ${DEFAULT-VALUE})")
    double quantile = 0.9;

    @Option(names = "--draws", description = "random sets drawn for the margin (default: ${DEFAULT-VALUE})")
    int draws = 4000;

    @Option(names = "--cheap-shares", split = ",", description = "the most of a namespace's queries that may go cheap: the"
            + " nested cross-validation picks one of these with the target (default: 0.1,0.2,0.3,0.5,1)")
    List<Double> cheapShares;

    @Option(names = "--cold-margin", description = "the margin must also hold on each namespace's first --cold queries alone")
    boolean coldMargin;

    @Option(names = "--cold", description = "queries per namespace counted as cold (default: ${DEFAULT-VALUE})")
    int cold = 50;

    @Option(names = "--window", description = "queries per window of the curve (default: ${DEFAULT-VALUE})")
    int window = 50;

    @Option(names = "--test-fold", split = ",", description = "with the public data as --data: replay only these P1 folds (default: all)")
    List<Integer> folds;

    @Option(names = "--learner", description = "with other --data: decide with this learner settings file (e.g. the shipped"
            + " operators/src/main/resources/learner/default.json) instead of fitting one on --prior-data")
    Path learnerFile;

    @Option(names = "--write-learner", description = "fit the learner on every subject of --prior-data, write its settings"
            + " file here (what the job reads; the shipped one is operators/src/main/resources/learner/default.json) and stop")
    Path writeLearner;

    @Option(names = "--through-job", description = "decide the learner's stream through Kafka (an in-process broker) and the job on a"
            + " MiniCluster with --learning on, one job per fold; the in-process decisions are computed too and compared")
    boolean throughJob;

    @Option(names = "--timeout", converter = org.agentrouter.cli.options.HumanDuration.class,
            description = "with --through-job: the longest wait for a fold's decisions (default: 30m)")
    java.time.Duration timeout = java.time.Duration.ofMinutes(30);

    @Option(names = "--parallelism", description = "with --through-job: the job's parallelism (default: ${DEFAULT-VALUE})")
    int parallelism = 1;

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
        double[] grid = targets != null ? targets.stream().mapToDouble(Double::doubleValue).toArray() : defaultTargets(alpha);
        Set<Integer> foldSet = folds == null ? null : new TreeSet<>(folds);
        LearnerFit.Options fit = new LearnerFit.Options(alpha, l2, LearnerFit.features(shape), priorWeight, probeShare,
                probeUntil, seed, fb, grid, rounds, stages == null ? LearnerSettings.DEFAULT_STAGES
                : stages.stream().mapToInt(Integer::intValue).toArray(), minNamespaces, subsetSize, quantile, draws,
                cheapShares == null ? new double[] {0.1, 0.2, 0.3, 0.5, 1.0} : cheapShares.stream().mapToDouble(Double::doubleValue).toArray(), cold, coldMargin);
        ReplayRun.Options options = new ReplayRun.Options(alpha, fit, cold, window, outcomes.goodAt, foldSet);
        OutcomeTable priorTable = OutcomeTable.load(priorData, outcomes.promptColumn, OutcomeDataOptions.MMLU_WEAK,
                OutcomeDataOptions.MMLU_STRONG);
        ReplayRun run = new ReplayRun(priorTable, options);
        if (writeLearner != null) {
            long t0 = System.nanoTime();
            LearnerFit.Result r = run.fitOnAll();
            Map<String, String> meta = new java.util.TreeMap<>();
            meta.put("fitted_on", priorData.getFileName() + ": every usable subject (" + run.publicData().size() + " questions)");
            meta.put("command", "./router replay --prior-data " + priorData.getFileName() + " --alpha " + alpha + " --seed " + seed
                    + " --write-learner FILE");
            meta.put("fitted_at", java.time.Instant.now().toString());
            meta.put("calibrated_alpha", Double.toString(alpha));
            meta.put("target", Double.toString(r.target()));
            meta.put("label", "needs strong: strong right (>= " + outcomes.goodAt + ") and weak wrong");
            LearnerFiles.write(r.settings(), meta, writeLearner);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.report()));
            System.err.printf("learner settings written to %s (%.0f s)%n", writeLearner, (System.nanoTime() - t0) / 1e9);
            return 0;
        }
        boolean samePublic = Files.exists(outcomes.data) && Files.isSameFile(outcomes.data.toRealPath(), priorData.toRealPath());
        long start = System.nanoTime();
        ReplayRun.Result result;
        ReplayRun.StreamDecider decider = ReplayRun.IN_PROCESS;
        ReplayComparison comparison = null;
        Path workDir = null;
        if (throughJob) {
            workDir = Files.createTempDirectory("replay-through-job");
            comparison = new ReplayComparison(new ReplayThroughJob(workDir, timeout, parallelism), ReplayRun.IN_PROCESS);
            decider = comparison;
        }
        if (samePublic) {
            result = run.unseenSubjects(decider);
        } else {
            OutcomeTable data = OutcomeTable.load(outcomes.data, outcomes.promptColumn, outcomes.weak, outcomes.strong);
            LearnerSettings given = learnerFile == null ? null : LearnerFiles.read(learnerFile).settings();
            result = run.newData(data, given, decider);
        }
        Map<String, Object> report = run.json(result);
        report.put("data", outcomes.data.toString());
        report.put("decided", throughJob ? "through Kafka and the job on a MiniCluster (--learning on, parallelism " + parallelism
                + "), each namespace's next query after the job applied its previous feedback" : "in process, the job's learner classes");
        if (comparison != null) {
            report.put("through_job", comparison.json());
            try (var files = Files.walk(workDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        report.put("protocol", samePublic ? "unseen subjects: P1 folds of the public data, each subject a new namespace"
                : "every file of --data a new namespace; learner fitted on all of --prior-data"
                        + (learnerFile != null ? " (here: read from " + learnerFile + ")" : ""));
        report.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        }
        return 0;
    }

    static double[] defaultTargets(double alpha) {
        int n = (int) Math.floor(alpha * 100 + 1e-9) - 1;
        double[] t = new double[Math.max(1, n)];
        for (int i = 0; i < t.length; i++) t[i] = Math.min(alpha, (i + 2) / 100.0);
        return t;
    }
}
