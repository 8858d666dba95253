package org.agentrouter.study;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.eval.RoutingCurve;
import org.agentrouter.eval.MmluData;
/**
 * Baselines for routing on the RouteLLM MMLU outcomes, scored the RouteLLM way ({@link RoutingCurve}),
 * under two protocols: P1 unseen subjects (6 subject-grouped folds) and P2 random 5-fold CV, each with
 * and without the defective high_school_mathematics subject; then P1 with a few labelled prompts of
 * each test subject in memory (how fast a new subject warms up).
 *
 * <p>Run on request only (tag "study"; 5 to 15 minutes on 2 shared cores, plus about 10 the first time
 * to embed the prompts):
 * {@code mvn -o -B -q -pl calibration -am test -Dtest=BaselineStudy -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 *
 * <p>Paths, all outside the repository: data {@code router.data.dir}; embedding cache
 * {@code router.embedding.cache} (default ~/.cache/agent-router/mmlu-minilm-study.f32); report
 * {@code router.study.out} (default target/study/baselines.md).
 */
@Tag("study")
class BaselineStudy {
    private static final long SEED = 20240618L;

    private record Configuration(String name, List<Split> splits, List<FoldRouter> routers) {}

    @Test
    void baselines() throws IOException {
        assumeTrue(Files.isDirectory(MmluData.directory()), "no data at " + MmluData.directory());
        long start = System.nanoTime();
        OutcomeTable table = MmluData.load();
        Path cache = Path.of(System.getProperty("router.embedding.cache",
                System.getProperty("user.home") + "/.cache/agent-router/mmlu-minilm-study.f32"));
        StudyData data = new StudyData(table, EmbeddingCache.load(cache, table.prompts()));
        log(start, "loaded " + table + ", vectors from " + cache);
        CosineMatrix matrix = CosineMatrix.of(data.vectors);
        log(start, "cosine matrix");

        StudyReport report = new StudyReport();
        for (Configuration configuration : configurations(data)) {
            describeFolds(report, configuration, data);
            for (Split split : configuration.splits()) {
                FoldContext ctx = new FoldContext(data, matrix, split, SEED);
                double[] weak = Arrays.stream(split.test()).mapToDouble(r -> data.weak[r]).toArray();
                double[] strong = Arrays.stream(split.test()).mapToDouble(r -> data.strong[r]).toArray();
                for (FoldRouter router : configuration.routers()) {
                    double[] scores = router.score(ctx);
                    report.add(configuration.name(), router.name(), scores, weak, strong);
                }
                ctx.notes().forEach(n -> report.note(configuration.name(), "- fold " + split.fold() + ": " + n));
                log(start, configuration.name() + " fold " + split.fold());
            }
        }
        String markdown = header(data) + report.markdown();
        System.out.println(markdown);
        Path out = Path.of(System.getProperty("router.study.out", "target/study/baselines.md"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, markdown);
        log(start, "wrote " + out);
    }

    private static List<Configuration> configurations(StudyData data) {
        int defective = data.table.subjects().indexOf(MmluData.DEFECTIVE_SUBJECT);
        IntPredicate all = row -> true;
        IntPredicate clean = row -> data.subject[row] != defective;
        List<Split> unseenClean = FoldPlan.unseenSubjects(data, 6, SEED, clean);
        List<Configuration> list = new ArrayList<>();
        list.add(new Configuration("P1 unseen subjects, all 48 subjects",
                FoldPlan.unseenSubjects(data, 6, SEED, all), fullRouters()));
        list.add(new Configuration("P1 unseen subjects, without high_school_mathematics", unseenClean, fullRouters()));
        list.add(new Configuration("P2 random 5-fold, all 48 subjects", FoldPlan.randomRows(data, 5, SEED, all), fullRouters()));
        list.add(new Configuration("P2 random 5-fold, without high_school_mathematics",
                FoldPlan.randomRows(data, 5, SEED, clean), fullRouters()));
        for (int perSubject : new int[] {10, 30, Integer.MAX_VALUE}) {
            String amount = perSubject == Integer.MAX_VALUE ? "half of each test subject" : perSubject + " labelled prompts per test subject";
            list.add(new Configuration("P1 warm start: " + amount + " in memory, without high_school_mathematics",
                    FoldPlan.warmStart(data, unseenClean, perSubject, SEED), warmStartRouters()));
        }
        return list;
    }

    private static List<FoldRouter> references() {
        return List.of(FoldRouter.oracle(), FoldRouter.subjectMean(), FoldRouter.random(SEED));
    }

    private static List<FoldRouter> fullRouters() {
        List<FoldRouter> routers = new ArrayList<>(references());
        routers.add(FoldRouter.promptLength());
        for (int k : new int[] {10, 30, 100, 300}) {
            routers.add(FoldRouter.knnGain(k, false));
            routers.add(FoldRouter.knnGain(k, true));
        }
        routers.add(FoldRouter.feature("logistic regression on embedding (gain)", "embGain", 1));
        routers.add(FoldRouter.feature("logistic on embedding: 1 - P(weak right)", "embWeak", -1));
        routers.add(FoldRouter.feature("kNN weak accuracy k=100 (1 - acc)", "weak100w", -1));
        routers.add(FoldRouter.feature("kNN softmax gain T=0.05", "softGain0.05", 1));
        routers.add(FoldRouter.feature("neighbour subject prior gain", "subjGain30", 1));
        routers.add(new InnerSelectedRouter(1));
        routers.add(new InnerSelectedRouter(3));
        for (StackedRouter.Model model : StackedRouter.Model.values()) {
            routers.add(new StackedRouter("knn", Set.of("knn"), model, false));
            routers.add(new StackedRouter("knn+nbr", Set.of("knn", "nbr"), model, false));
            routers.add(new StackedRouter("knn+sim", Set.of("knn", "sim"), model, false));
            routers.add(new StackedRouter("knn+subj", Set.of("knn", "subj"), model, false));
            routers.add(new StackedRouter("knn+text", Set.of("knn", "text"), model, false));
            routers.add(new StackedRouter("knn+emb", Set.of("knn", "emb"), model, false));
            routers.add(new StackedRouter("text+emb (no retrieval)", Set.of("text", "emb"), model, false));
            Set<String> everything = Set.of("knn", "nbr", "sim", "subj", "text", "emb");
            routers.add(new StackedRouter("all", everything, model, false));
            routers.add(new StackedRouter("knn", Set.of("knn"), model, true));
            routers.add(new StackedRouter("all", everything, model, true));
        }
        return routers;
    }

    /** Training-row features assume no test subject in memory, so no stacked models here. */
    private static List<FoldRouter> warmStartRouters() {
        List<FoldRouter> routers = new ArrayList<>(references());
        for (int k : new int[] {10, 30, 100, 300}) {
            routers.add(FoldRouter.knnGain(k, true));
        }
        routers.add(FoldRouter.feature("kNN softmax gain T=0.02", "softGain0.02", 1));
        routers.add(FoldRouter.feature("kNN softmax gain T=0.05", "softGain0.05", 1));
        routers.add(FoldRouter.feature("neighbour subject prior gain", "subjGain30", 1));
        routers.add(FoldRouter.feature("logistic regression on embedding (gain)", "embGain", 1));
        return routers;
    }

    private static void describeFolds(StudyReport report, Configuration configuration, StudyData data) {
        if (!configuration.splits().get(0).subjectsHeldOut()) {
            return;
        }
        for (Split split : configuration.splits()) {
            String subjects = Arrays.stream(split.test()).map(r -> data.subject[r]).distinct()
                    .mapToObj(data::subjectName).sorted().collect(Collectors.joining(", "));
            report.note(configuration.name(), "- fold " + split.fold() + " (" + split.test().length + " test rows, "
                    + split.train().length + " memory rows): " + subjects);
        }
    }

    private static String header(StudyData data) {
        return String.format(Locale.ROOT, """
                # Router baselines on RouteLLM MMLU outcomes

                %d prompts, %d subjects; weak %s accuracy %.4f, strong %s accuracy %.4f.
                Embeddings: all-MiniLM-L6-v2 (langchain4j), cosine similarity. Metrics: RoutingCurve
                (RouteLLM deciles, ties to strong); mean +- std over folds. CPT in %% of strong calls.
                "[ref]" rows read test outcomes and are ceilings, not routers; the oracle exceeds APGR 1
                because routing can also avoid the strong model's own mistakes (PGR above 1).
                """, data.size(), data.subjectCount, MmluData.WEAK_MODEL, data.table.weakMean(),
                MmluData.STRONG_MODEL, data.table.strongMean());
    }

    private static void log(long start, String what) {
        System.out.printf(Locale.ROOT, "[%.1f s] %s%n", (System.nanoTime() - start) / 1e9, what);
    }
}
