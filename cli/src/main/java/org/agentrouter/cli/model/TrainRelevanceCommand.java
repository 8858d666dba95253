package org.agentrouter.cli.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.agentrouter.cli.options.DataPaths;
import org.agentrouter.locomo.ContextCandidates;
import org.agentrouter.locomo.LocomoData;
import org.agentrouter.locomo.LocomoMemories;
import org.agentrouter.locomo.RelevanceStudy;
import org.agentrouter.locomo.TextEmbeddings;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.training.RelevanceNetwork;
import org.agentrouter.training.RelevanceRelease;
import org.agentrouter.training.RelevanceTrainer;
import org.agentrouter.training.Weights;
import org.agentrouter.cli.options.HelpOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train-relevance",
        description = {"Train the scorer's relevance head (which memories go into a decision's context) in Java (DJL) on",
            "LoCoMo conversations, from the candidate rows the job computes (dense + BM25 candidates, FeatureLayout v2).",
            "--protocol: leave-one-conversation-out recall@5/@10 per fold, mean +- std, against cosine, BM25, RRF and",
            "a linear fusion on the same questions. --out: train on every conversation and write a release that joins",
            "the head to the p_strong of --base (its calibration kept) for eval-context --model and publish-model."})
public final class TrainRelevanceCommand implements Callable<Integer> {
    @Option(names = "--data", description = "a LoCoMo JSON file or a directory of them (default: ../shared/data/locomo)")
    Path data;

    @Option(names = "--hidden", description = "hidden units of the per-candidate MLP, 0 for a linear head (default: ${DEFAULT-VALUE})")
    int hidden = 32;

    @Option(names = "--epochs", description = "default: ${DEFAULT-VALUE}")
    int epochs = 40;

    @Option(names = "--seed", description = "initialisation and order (default: ${DEFAULT-VALUE})")
    long seed = 7;

    @Option(names = "--protocol", description = "run the leave-one-conversation-out protocol (and stamp its figures into --out's metadata)")
    boolean protocol;

    @Option(names = "--base", description = "release directory whose p_strong the new release keeps (default: the shipped one)")
    Path base;

    @Option(names = "--version", description = "version of the written release (default: ${DEFAULT-VALUE})")
    String version = "1.1.0";

    @Option(names = "--out", description = "write the release trained on every conversation here")
    Path out;

    // Its own --version (the release's) would make picocli drop the standard -h/--help with -V/--version.
    @Mixin
    HelpOption help = new HelpOption();

    @Override
    public Integer call() throws Exception {
        if (!protocol && out == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "nothing to do: give --protocol and/or --out");
        }
        Path dir = data != null ? data : DataPaths.locomo();
        LocomoData.Loaded loaded = LocomoData.load(dir);
        System.out.println("data: " + dir + " (" + loaded.conversations().size() + " conversations); problems: " + loaded.problems());
        List<LocomoMemories.Corpus> corpora = LocomoMemories.corpora(loaded.conversations(), TextEmbeddings.defaultDir());
        int k = new org.agentrouter.flink.RouterConfig().retrievalK;
        int lexicalK = new org.agentrouter.flink.RouterConfig().lexicalK;
        RelevanceStudy.Spec spec = RelevanceStudy.parse("relevance=" + hidden + "@" + epochs);
        Map<String, String> metadata = new TreeMap<>();
        if (protocol) {
            metadata.putAll(RelevanceStudy.run(corpora, List.of(spec), k, lexicalK, System.out));
        }
        if (out != null) {
            List<RelevanceTrainer.Example> examples = new ArrayList<>();
            for (LocomoMemories.Corpus c : corpora) {
                for (ContextCandidates.Row r : ContextCandidates.of(c, k, lexicalK)) {
                    examples.add(new RelevanceTrainer.Example(r.candidates(), r.labels()));
                }
            }
            RelevanceNetwork network = new RelevanceNetwork(hidden,
                    RelevanceNetwork.and(spec.columns(), RelevanceNetwork.varyingColumns(examples)));
            System.out.println("columns that vary in training (the others get no weight): " + network.describe().get("columns"));
            Weights weights = RelevanceTrainer.calibrate(network, RelevanceTrainer.train(network, examples,
                    new RelevanceTrainer.Settings(epochs, 32, 0.005f, 1e-4f, seed)), examples);
            ModelRelease baseRelease = base != null ? ModelReleases.read(base) : ModelReleases.fromClasspath("models/default");
            metadata.put("relevance.data", "LoCoMo " + String.join(",", corpora.stream().map(c -> c.conversation().id()).toList())
                    + ", " + examples.size() + " questions (categories 1-4 with evidence), k=" + k + ", lexical k " + lexicalK
                    + ", session neighbours " + new org.agentrouter.flink.RouterConfig().sessionNeighbours
                    + ", seed " + seed + ", " + epochs + " epochs");
            ModelRelease release = RelevanceRelease.build(baseRelease, network, weights, version, metadata);
            RelevanceRelease.write(out, release, weights);
            System.out.println("wrote " + out + " (" + release.getName() + " " + release.getVersion() + ", layout "
                    + release.getFeatureLayoutVersion() + ", sha256 " + release.getSha256() + ")");
        }
        return 0;
    }
}
