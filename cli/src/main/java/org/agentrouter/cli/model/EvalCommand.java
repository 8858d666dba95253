package org.agentrouter.cli.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.concurrent.Callable;
import org.agentrouter.calibration.CurvePlot;
import org.agentrouter.calibration.OfflineScoring;
import org.agentrouter.calibration.PromptEmbeddings;
import org.agentrouter.calibration.RouterEvaluation;
import org.agentrouter.calibration.ShippedMemory;
import org.agentrouter.calibration.SubjectFolds;
import org.agentrouter.calibration.SubjectSplit;
import org.agentrouter.embedding.TokenCounter;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.eval.RoutingCurve;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.DataPaths;
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Route every prompt of an outcome CSV (or a folder of them) exactly as the job does and report",
            "the RouteLLM metrics (APGR, CPT(50%), CPT(80%), 11 decile points with their cost) and, with --alpha,",
            "what the release's conformal calibration does. A prompt never sees its own stored outcome."})
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    OutcomeDataOptions outcomes = new OutcomeDataOptions();

    @Option(names = "--subjects", split = ",", description = "only these subjects (file names without mmlu_ and .csv)")
    Set<String> subjects;

    @Option(names = "--model", description = "release directory (default: the release shipped in the job)")
    Path model;

    @Option(names = "--memory", description = "memory store (default: the shipped model's calibration memory, ${DEFAULT-VALUE}, rebuilt from the MMLU data when missing)")
    Path memory = ShippedMemory.defaultPath();

    @Option(names = "--namespace", description = "memory namespace to retrieve from (default: ${DEFAULT-VALUE})")
    String namespace = ShippedMemory.NAMESPACE;

    @Mixin
    RetrievalOptions retrievalOptions = new RetrievalOptions();

    @Option(names = "--alpha", split = ",", description = "also report the conformal decision at this quality target"
            + " (several, comma-separated: one JSON object per alpha in by_alpha)")
    List<Double> alpha;

    @Option(names = "--test-fold", description = "only the subjects of this fold of the baseline study's P1 protocol"
            + " (--folds, --fold-seed; the shipped model's excluded subjects stay out), as left out by calibrate --test-fold")
    Integer testFold;

    @Option(names = "--folds", description = "with --test-fold (default: ${DEFAULT-VALUE})")
    int folds = SubjectFolds.STUDY_FOLDS;

    @Option(names = "--fold-seed", description = "with --test-fold (default: ${DEFAULT-VALUE})")
    long foldSeed = SubjectFolds.STUDY_SEED;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--plot", description = "write the cost-quality curve as a PNG")
    Path plot;

    @Override
    public Integer call() throws Exception {
        OutcomeTable all = OutcomeTable.load(outcomes.data, outcomes.promptColumn, outcomes.weak, outcomes.strong);
        if (testFold != null) {
            if (subjects != null) throw new IllegalArgumentException("--subjects and --test-fold exclude each other");
            subjects = new TreeSet<>(SubjectFolds.subjectsOf(all, testFold, folds, foldSeed));
            subjects.removeAll(ShippedMemory.EXCLUDED);
            System.err.println("test fold " + testFold + " of " + folds + " (seed " + foldSeed + "): " + String.join(",", subjects));
        }
        IntPredicate selected = subjects == null ? i -> true : i -> subjects.contains(all.subject(i));
        OutcomeTable table = all.filter(selected);
        if (table.size() == 0) throw new IllegalArgumentException("no rows selected (subjects " + subjects + ")");
        ModelRelease release = model == null ? ModelReleases.fromClasspath("models/default") : ModelReleases.read(model);
        float[][] vectors = PromptEmbeddings.ofSelection(all, selected, ShippedMemory.EXCLUDED, PromptEmbeddings.defaultCacheDir());
        if (!Files.isRegularFile(memory)) rebuildShippedMemory(release);

        OfflineScoring.Scored scored = OfflineScoring.score(table, vectors, memory, namespace,
                ModelReleases.modelBytes(release), retrievalOptions.retrieval(), outcomes.goodAt, i -> true);
        double[] w = new double[scored.size()];
        double[] s = new double[scored.size()];
        int[] tokens = new int[scored.size()];
        try (TokenCounter counter = new TokenCounter()) {
            for (int j = 0; j < scored.size(); j++) {
                int row = scored.rows()[j];
                w[j] = table.weak(row);
                s[j] = table.strong(row);
                tokens[j] = counter.count(table.prompt(row));
            }
        }
        int[] group = new int[scored.size()];
        for (int j = 0; j < group.length; j++) group[j] = table.subjectIndex(scored.rows()[j]);
        Map<String, Object> report = RouterEvaluation.report(scored, w, s, tokens, PricingTable.defaults(),
                release.getCalibration(), alpha == null ? List.of() : alpha, group, table.subjects());
        report.put("model", release.getName() + " " + release.getVersion());
        String calibratedOn = release.getMetadata().getOrDefault("calibration.heldout_subjects", "");
        long inCalibration = table.subjects().stream().filter(List.of(calibratedOn.split(","))::contains).count();
        report.put("subjects_in_calibration_set", inCalibration);
        report.put("retrieval", retrievalOptions.retrieval().describe());
        report.put("calibration_retrieval", release.getMetadata().getOrDefault("calibration.retrieval", "not recorded"));
        report.put("subjects", String.join(",", table.subjects()));
        if (plot != null) {
            CurvePlot.writePng(RoutingCurve.evaluate(scored.pStrong(), w, s), release.getName() + " " + release.getVersion()
                    + " on " + outcomes.data.getFileName(), plot);
        }
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            report.forEach((key, value) -> {
                if (!key.equals("points") && !key.equals("by_alpha")) System.out.printf("%-40s %s%n", key, value);
            });
            if (report.get("by_alpha") instanceof List<?> byAlpha) {
                for (Object o : byAlpha) {
                    System.out.println();
                    ((Map<?, ?>) o).forEach((key, value) -> System.out.printf("%-40s %s%n", key, value));
                }
                System.out.println();
            }
            System.out.println("strong_share  accuracy  pgr     cost_usd");
            for (Object o : (List<?>) report.get("points")) {
                Map<?, ?> p = (Map<?, ?>) o;
                System.out.printf("%.3f         %.4f    %.4f  %.4f%n", p.get("strong_share"), p.get("accuracy"), p.get("pgr"), p.get("cost_usd"));
            }
        }
        return 0;
    }

    private void rebuildShippedMemory(ModelRelease release) throws Exception {
        Path mmlu = DataPaths.mmlu();
        if (!Files.isDirectory(mmlu)) {
            throw new IllegalStateException("memory store " + memory + " is missing and the data to rebuild it ("
                    + mmlu + ") is not there; pass --memory");
        }
        System.err.println("rebuilding the shipped model's memory store at " + memory + " ...");
        OutcomeTable usable = ShippedMemory.usable(OutcomeTable.load(mmlu, "prompt", OutcomeDataOptions.MMLU_WEAK,
                OutcomeDataOptions.MMLU_STRONG), ShippedMemory.EXCLUDED);
        // The release names the subjects its memory held; releases calibrated before that used the default split.
        String memorySubjects = release.getMetadata().getOrDefault("calibration.memory_subjects", "");
        SubjectSplit split = memorySubjects.isEmpty()
                ? SubjectSplit.of(usable.subjects(), ShippedMemory.HELD_OUT_SHARE, ShippedMemory.SEED)
                : new SubjectSplit(new TreeSet<>(List.of(memorySubjects.split(","))), Set.of());
        ShippedMemory.build(memory, usable, PromptEmbeddings.of(usable.prompts(), PromptEmbeddings.defaultCacheDir()),
                split, 0.5);
    }
}
