package org.agentrouter.cli.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.agentrouter.cli.options.DataPaths;
import org.agentrouter.cli.options.HumanDuration;
import org.agentrouter.locomo.ContextEvaluation;
import org.agentrouter.locomo.ContextMetrics;
import org.agentrouter.locomo.LocomoData;
import org.agentrouter.locomo.LocomoMemories;
import org.agentrouter.locomo.TextEmbeddings;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval-context", mixinStandardHelpOptions = true,
        description = {"Measures the context ids of the router's decisions against LoCoMo's evidence turns: each conversation",
            "becomes a namespace (every turn a memory), each question of categories 1-4 is routed as a query after the last",
            "session, and its context is compared with the turns that hold the answer. Prints recall@k, hit@k, MRR and",
            "nDCG@10, overall and per category, next to cosine, Lucene BM25, their RRF and a linear fusion over the whole",
            "namespace. Without --through-job the job's retrieval and scorer code runs in this process; with it, memories",
            "and questions go through Kafka and the job on a MiniCluster (same ids)."})
public final class EvalContextCommand implements Callable<Integer> {
    @Option(names = "--data", description = "a LoCoMo JSON file or a directory of them (default: ../shared/data/locomo)")
    Path data;

    @Option(names = "--model", description = "release directory to score with (default: the release the job ships)")
    Path model;

    @Option(names = "--k", split = ",", description = "cut-offs of recall@k and hit@k (default: 5,10)")
    int[] ks = {5, 10};

    @Option(names = "--through-job", description = "route the questions through Kafka and the job instead of in process")
    boolean throughJob;

    @Option(names = "--timeout", converter = HumanDuration.class, description = "with --through-job: the longest wait for every decision (default: 10m)")
    Duration timeout = Duration.ofMinutes(10);

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--with-ids", description = "with --json: also each question's context ids (key conversation-qN)")
    boolean withIds;

    @Override
    public Integer call() throws Exception {
        Path dir = data != null ? data : DataPaths.locomo();
        LocomoData.Loaded loaded = LocomoData.load(dir);
        List<LocomoMemories.Corpus> corpora = LocomoMemories.corpora(loaded.conversations(), TextEmbeddings.defaultDir());
        ModelRelease release = model != null ? ModelReleases.read(model) : ModelReleases.fromClasspath("models/default");
        int[] sorted = Arrays.stream(ks).sorted().distinct().toArray();
        // The decision's context holds at least 10 ids, for nDCG@10.
        int contextK = Math.max(10, sorted[sorted.length - 1]);
        int lexicalK = new org.agentrouter.flink.RouterConfig().lexicalK;
        Map<String, List<String>> contexts = throughJob
                ? ContextThroughJob.contexts(corpora, model == null ? null : release, contextK,
                        Files.createTempDirectory("eval-context"), timeout)
                : ContextEvaluation.inProcess(corpora, release, contextK, lexicalK);
        ContextMetrics result = ContextEvaluation.measure(corpora, contexts, sorted);
        Map<String, ContextMetrics> baselines = ContextEvaluation.baselines(corpora, sorted, contextK);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", dir.toString());
        out.put("conversations", corpora.stream().map(c -> c.conversation().id()).toList());
        out.put("model", release.getName() + " " + release.getVersion() + " (feature layout " + release.getFeatureLayoutVersion() + ")");
        out.put("path", throughJob ? "through the job (Kafka + MiniCluster)" : "in process (the job's retrieval and scorer code)");
        out.put("context_k", contextK);
        out.putAll(ContextEvaluation.json(result));
        Map<String, Object> b = new LinkedHashMap<>();
        baselines.forEach((name, m) -> b.put(name, ContextEvaluation.json(m)));
        out.put("baselines", b);
        LocomoData.Problems p = loaded.problems();
        out.put("data_problems", Map.of("evidence_entries", p.evidenceEntries, "split", p.split, "malformed", p.malformed,
                "missing", p.missing, "questions_without_evidence", p.withoutEvidence.size()));
        if (withIds) out.put("contexts", contexts);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(out));
            return 0;
        }
        System.out.printf(Locale.ROOT, "%s, %d conversations, %s; model %s; context of %d ids%n", dir, corpora.size(),
                out.get("path"), out.get("model"), contextK);
        System.out.println("data problems: " + p);
        System.out.println(header(sorted));
        System.out.println(line("router", result.overall(), sorted));
        baselines.forEach((name, m) -> System.out.println(line(name, m.overall(), sorted)));
        for (Integer c : result.byCategory().keySet()) {
            System.out.println("category " + c + ":");
            System.out.println(line("  router", result.byCategory().get(c), sorted));
            baselines.forEach((name, m) -> System.out.println(line("  " + name, m.byCategory().get(c), sorted)));
        }
        return 0;
    }

    private static String header(int[] ks) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-10s %9s", "", "questions"));
        for (int k : ks) b.append(String.format(Locale.ROOT, " %9s", "recall@" + k));
        for (int k : ks) b.append(String.format(Locale.ROOT, " %7s", "hit@" + k));
        return b.append(String.format(Locale.ROOT, " %6s %7s", "MRR", "nDCG@10")).toString();
    }

    private static String line(String name, ContextMetrics.Figures f, int[] ks) {
        if (f == null) return String.format(Locale.ROOT, "%-10s %9d", name, 0);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-10s %9d", name, f.questions()));
        for (int k : ks) b.append(String.format(Locale.ROOT, " %9.3f", f.recallAt(k)));
        for (int k : ks) b.append(String.format(Locale.ROOT, " %7.3f", f.hitAt(k)));
        return b.append(String.format(Locale.ROOT, " %6.3f %7.3f", f.mrr(), f.ndcg10())).toString();
    }
}
