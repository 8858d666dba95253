package org.agentrouter.cli.model;

import org.agentrouter.calibration.OfflineRetrieval;
import picocli.CommandLine.Option;

/** How calibrate and eval retrieve a question's candidates: as the job does by default. */
final class RetrievalOptions {
    private static final OfflineRetrieval JOB = OfflineRetrieval.job();

    @Option(names = "--retrieval", description = "job: the job's indexes and hybrid retrieval (dense --k + BM25 --lexical-k, RRF);"
            + " cosine: the sqlite-vec store's exact cosine top --k, what releases before issue 18's round 2 were"
            + " calibrated on (with --k 100) (default: ${DEFAULT-VALUE})")
    String retrieval = "job";

    @Option(names = "--k", description = "memory candidates per question (default: the job's, ${DEFAULT-VALUE})")
    int k = JOB.k();

    @Option(names = "--lexical-k", description = "with --retrieval job: BM25 hits fused per question, 0 for the dense index alone"
            + " (default: the job's, ${DEFAULT-VALUE})")
    int lexicalK = JOB.lexicalK();

    @Option(names = "--session-neighbours", description = "with --retrieval job: turns next to the best hits added to the"
            + " candidates (memories with a session only; default: the job's, ${DEFAULT-VALUE})")
    int sessionNeighbours = JOB.sessionNeighbours();

    OfflineRetrieval retrieval() {
        return switch (retrieval) {
            case "job" -> new OfflineRetrieval(false, k, lexicalK, sessionNeighbours);
            case "cosine" -> OfflineRetrieval.cosine(k);
            default -> throw new IllegalArgumentException("--retrieval must be job or cosine, got " + retrieval);
        };
    }
}
