package org.agentrouter.cli.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.agentrouter.calibration.PromptEmbeddings;
import org.agentrouter.calibration.ShippedMemory;
import org.agentrouter.calibration.SubjectFolds;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.modelbuild.SeedModelBuilder;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.training.AttentionMlpNetwork;
import org.agentrouter.training.FastGrnnNetwork;
import org.agentrouter.training.ProtocolRun;
import org.agentrouter.training.QueryMlpNetwork;
import org.agentrouter.training.RouterNetwork;
import org.agentrouter.training.TrainedRelease;
import org.agentrouter.training.Trainer;
import org.agentrouter.training.TrainingProtocol;
import org.agentrouter.training.TrainingSet;
import org.agentrouter.training.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a learned router (FastGRNN, an attention-pooled MLP, or a logistic regression / MLP on the query embedding) in Java (DJL, PyTorch engine) on the",
            "candidate features the job computes. With --protocol p1 (unseen subjects, 6 folds) or p2 (random 5-fold)",
            "it reports per-fold and mean +- std APGR / CPT(50%%) / CPT(80%%) for the model, its INT8 variant, the seed",
            "and the kNN votes on the same folds. With --out it trains on every prompt and writes a release directory",
            "(model.onnx, release.json, weights.safetensors) for ./router calibrate, eval --model and publish-model."})
public final class TrainCommand implements Callable<Integer> {
    /** fastgrnn and mlp read the candidate rows; logistic and querymlp also read the query row (embedding and text signals). */
    enum ModelKind { fastgrnn, mlp, logistic, querymlp }

    enum ProtocolOption { p1, p2, none }

    @Mixin
    OutcomeDataOptions outcomes = new OutcomeDataOptions();

    @Option(names = "--model", split = ",", description = "fastgrnn, mlp (attention-pooled, per candidate), logistic or"
            + " querymlp (on the query embedding + the mean candidate row); several, comma-separated, are measured on the"
            + " same folds (--out writes the first) (default: fastgrnn)")
    List<ModelKind> models = List.of(ModelKind.fastgrnn);

    @Option(names = "--protocol", description = "p1, p2 or none (default: ${DEFAULT-VALUE})")
    ProtocolOption protocol = ProtocolOption.none;

    @Option(names = "--out", description = "write the model trained on every prompt as a release directory here")
    Path out;

    @Option(names = "--int8", description = "with --out: the release's graph holds int8 weights")
    boolean int8;

    @Option(names = "--seed", description = "initialisation and batch order (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--fold-seed", description = "fold assignment, as the baseline study (default: ${DEFAULT-VALUE})")
    long foldSeed = SubjectFolds.STUDY_SEED;

    @Option(names = "--epochs", description = "default: ${DEFAULT-VALUE}")
    int epochs = 12;

    @Option(names = "--hidden", description = "hidden units (default: ${DEFAULT-VALUE})")
    int hidden = 16;

    @Option(names = "--steps", description = "FastGRNN: how many of the most similar candidates the recurrence reads, least similar of them first (default: ${DEFAULT-VALUE})")
    int steps = 16;

    @Option(names = "--rank", description = "FastGRNN: rank of W and U (default: ${DEFAULT-VALUE})")
    int rank = 4;

    @Option(names = "--density", description = "FastGRNN: share of non-zero entries kept in W1, W2, U1, U2 (default: ${DEFAULT-VALUE})")
    double density = 0.5;

    @Option(names = "--target", description = "label (only the strong model right) or gain ((strong - weak + 1) / 2, soft) (default: ${DEFAULT-VALUE})")
    TrainingProtocol.Target target = TrainingProtocol.Target.LABEL;

    @Option(names = "--distill-from", description = "with --protocol: also train each model on the probabilities of an"
            + " attention MLP with this many hidden units (the teacher), and report teacher and distilled students")
    Integer teacherHidden;

    @Option(names = "--k", description = "candidates retrieved per prompt, as eval (default: ${DEFAULT-VALUE})")
    int k = 100;

    @Option(names = "--baselines-only", description = "with --protocol: score only the seed and the kNN votes, train nothing")
    boolean baselinesOnly;

    @Option(names = "--stamp-release", description = "with --protocol: write the mean +- std of this release's own router"
            + " under the protocol into its release.json metadata (protocol.p1.* / protocol.p2.*); the seed release is"
            + " matched to the seed row, a trained release to its network (fp32 or int8); the model file is not touched")
    Path stampRelease;

    @Override
    public Integer call() throws Exception {
        if (protocol == ProtocolOption.none && out == null) {
            throw new IllegalArgumentException("nothing to do: give --protocol p1|p2 to measure, --out DIR to write a release, or both");
        }
        if (protocol == ProtocolOption.none && (baselinesOnly || stampRelease != null)) {
            throw new IllegalArgumentException("--baselines-only and --stamp-release need --protocol p1|p2");
        }
        if (baselinesOnly && out != null) {
            throw new IllegalArgumentException("--baselines-only trains nothing, so there is no release to --out");
        }
        ModelRelease stamped = stampRelease == null ? null : ModelReleases.read(stampRelease);
        OutcomeTable table = OutcomeTable.load(outcomes.data, outcomes.promptColumn, outcomes.weak, outcomes.strong);
        // The study's headline configuration: without the defective subject, as the shipped memory.
        int[] rows = IntStream.range(0, table.size()).filter(i -> !ShippedMemory.EXCLUDED.contains(table.subject(i))).toArray();
        float[][] vectors = PromptEmbeddings.ofSelection(table, i -> !ShippedMemory.EXCLUDED.contains(table.subject(i)),
                ShippedMemory.EXCLUDED, PromptEmbeddings.defaultCacheDir());
        System.err.printf(Locale.ROOT, "%d prompts (%s left out), %d subjects; building the similarity index ...%n",
                rows.length, ShippedMemory.EXCLUDED, table.subjects().size());
        TrainingProtocol data = new TrainingProtocol(table, rows, vectors, outcomes.goodAt, k).target(target);
        List<RouterNetwork> networks = models.stream().map(m -> switch (m) {
            case fastgrnn -> (RouterNetwork) new FastGrnnNetwork(hidden, rank, rank, steps, density);
            case mlp -> new AttentionMlpNetwork(hidden);
            case logistic -> new QueryMlpNetwork(0);
            case querymlp -> new QueryMlpNetwork(hidden);
        }).toList();
        RouterNetwork network = networks.get(0);
        Trainer.Settings settings = new Trainer.Settings(epochs, 128, 0.01f, 1e-4f, seed, true);

        Map<String, String> metrics = new TreeMap<>();
        if (protocol != ProtocolOption.none) {
            TrainingProtocol.Protocol p = TrainingProtocol.Protocol.valueOf(protocol.name().toUpperCase(Locale.ROOT));
            ProtocolRun.Result result = ProtocolRun.run(data, p, foldSeed, baselinesOnly ? List.of() : networks,
                    teacherHidden == null ? null : new AttentionMlpNetwork(teacherHidden), settings);
            System.out.println();
            System.out.printf(Locale.ROOT, "%s, %d folds, %d prompts, k=%d, target %s, epochs %d, seed %d (mean +- std over folds; us per call: one ONNX Runtime call, 128 rows of which 100 present, this machine)%n",
                    p, TrainingProtocol.foldCount(p), rows.length, k, target, epochs, seed);
            if (!baselinesOnly) networks.forEach(n -> System.out.println(n.name() + ": " + new TreeMap<>(n.describe())));
            System.out.println(result.markdown());
            result.files().values().forEach(f -> System.out.printf(Locale.ROOT,
                    "%s: %d parameters (%d non-zero); model.onnx %d bytes fp32, %d bytes int8; weights.safetensors %d bytes%n",
                    f.router(), f.parameters(), f.nonZero(), f.onnxBytes(), f.int8OnnxBytes(), f.safetensorsBytes()));
            for (TrainingProtocol.FoldScore s : result.scores()) {
                String key = "metrics." + p.name().toLowerCase(Locale.ROOT) + "." + s.router().replace(' ', '_') + ".fold" + s.fold();
                metrics.put(key, String.format(Locale.ROOT, "apgr=%.4f,cpt50=%.4f,cpt80=%.4f", s.apgr(), s.cpt50(), s.cpt80()));
            }
            if (stamped != null) {
                String router = routerOf(stamped);
                Map<String, String> summary = result.summary(router, "protocol." + p.name().toLowerCase(Locale.ROOT) + ".");
                if (summary.isEmpty()) {
                    throw new IllegalArgumentException(stampRelease + " is router '" + router + "', which this run did not"
                            + " score; its rows: " + result.routers());
                }
                summary.put("protocol." + p.name().toLowerCase(Locale.ROOT) + ".setting", String.format(Locale.ROOT,
                        "%d folds (fold seed %d), %d prompts (%s left out), k=%d; ./router train --protocol %s",
                        TrainingProtocol.foldCount(p), foldSeed, rows.length, ShippedMemory.EXCLUDED, k, protocol));
                Map<String, String> metadata = new TreeMap<>(stamped.getMetadata());
                metadata.putAll(summary);
                ModelReleases.write(stampRelease, ModelRelease.newBuilder(stamped).setMetadata(metadata).build());
                System.out.println("stamped " + stampRelease.resolve(ModelReleases.DESCRIPTOR_FILE) + ": " + new TreeMap<>(summary));
            }
        }
        if (out != null) {
            int[] all = IntStream.range(0, rows.length).toArray();
            boolean[] everyone = new boolean[rows.length];
            java.util.Arrays.fill(everyone, true);
            TrainingProtocol.Protocol visibility = protocol == ProtocolOption.p1 ? TrainingProtocol.Protocol.P1 : TrainingProtocol.Protocol.P2;
            TrainingSet set = data.features(all, data.trainingMemory(visibility, everyone));
            Weights weights = Trainer.train(network, set, settings);
            Map<String, String> metadata = new TreeMap<>(metrics);
            metadata.put("training_data_hash", TrainedRelease.dataHash(table, rows));
            metadata.put("training_data", outcomes.data.toString());
            metadata.put("training_prompts", Integer.toString(rows.length));
            metadata.put("training_memory", visibility == TrainingProtocol.Protocol.P1
                    ? "other training prompts, own subject excluded" : "other training prompts");
            metadata.put("k", Integer.toString(k));
            metadata.put("target", target.name().toLowerCase(Locale.ROOT));
            metadata.put("seed", Long.toString(seed));
            metadata.put("epochs", Integer.toString(epochs));
            metadata.put("builder", TrainCommand.class.getName());
            ModelRelease r = TrainedRelease.write(out, network, weights, int8, metadata);
            System.out.printf("wrote %s %s (sha256 %s) to %s; next: ./router calibrate --model %s%n",
                    r.getName(), r.getVersion(), r.getSha256(), out, out);
        }
        return 0;
    }

    /** The protocol row that scores the same function as {@code release}. */
    private static String routerOf(ModelRelease release) {
        if (release.getName().equals(SeedModelBuilder.NAME)) return ProtocolRun.SEED_ROUTER;
        boolean int8 = Boolean.parseBoolean(release.getMetadata().getOrDefault("weights_int8", "false"));
        return release.getName() + (int8 ? " int8" : " fp32");
    }
}
