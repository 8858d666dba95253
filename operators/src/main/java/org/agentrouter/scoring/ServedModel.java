package org.agentrouter.scoring;

import ai.onnxruntime.OrtEnvironment;
import java.util.List;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;

/**
 * A release that passed every check, with its open ONNX session: what one task slot serves.
 * Building one is the acceptance test of a release (checksum, feature layout, the graph read without
 * ONNX Runtime ({@link OnnxGraphCheck}), tensor contract, a dry run on a probe batch); a release that fails any
 * of them never replaces the current one.
 */
public final class ServedModel implements AutoCloseable {
    public final String name;
    public final SemanticVersion version;
    public final String role;
    public final double[] alphas;
    public final double[] strongThresholds;
    public final double[] cheapThresholds;
    public final OnnxScorer scorer;

    private ServedModel(ModelRelease release, OnnxScorer scorer) {
        this.name = release.getName();
        this.version = SemanticVersion.parse(release.getVersion());
        this.role = release.getRole();
        ConformalCalibration c = release.getCalibration();
        this.alphas = toArray(c.getAlphas());
        this.strongThresholds = toArray(c.getStrongThresholds());
        this.cheapThresholds = toArray(c.getCheapThresholds());
        this.scorer = scorer;
    }

    /** @throws ModelRejectedException with the reason when the release must not be served */
    public static ServedModel accept(OrtEnvironment env, ModelRelease release) throws ModelRejectedException {
        try {
            SemanticVersion.parse(release.getVersion());
        } catch (IllegalArgumentException e) {
            throw new ModelRejectedException("bad version", e.getMessage());
        }
        byte[] onnx = ModelReleases.modelBytes(release);
        String actual = ModelReleases.sha256Hex(onnx);
        if (!actual.equalsIgnoreCase(release.getSha256())) {
            throw new ModelRejectedException("sha256 mismatch",
                    "release says " + release.getSha256() + " but the model bytes hash to " + actual);
        }
        int layout = release.getFeatureLayoutVersion();
        if (layout < FeatureLayout.OLDEST_SERVED_VERSION || layout > FeatureLayout.VERSION) {
            throw new ModelRejectedException("feature layout mismatch", "release was trained on feature layout "
                    + layout + ", this operator computes layout " + FeatureLayout.VERSION + " and serves layouts "
                    + FeatureLayout.OLDEST_SERVED_VERSION + "-" + FeatureLayout.VERSION);
        }
        ConformalCalibration c = release.getCalibration();
        int na = c.getAlphas().size();
        if (na == 0 || c.getStrongThresholds().size() != na || c.getCheapThresholds().size() != na) {
            throw new ModelRejectedException("bad calibration",
                    "calibration needs one strong and one cheap threshold per alpha (alphas: " + na + ")");
        }
        // Before any native code sees the bytes: a checksum recomputed over corrupt or hostile bytes passes the
        // check above, and ONNX Runtime trusts what a graph declares (sizes, file references, operators).
        OnnxGraphCheck.check(onnx);
        OnnxScorer scorer;
        try {
            scorer = new OnnxScorer(env, onnx);
        } catch (ModelContractException e) {
            throw new ModelRejectedException("onnx contract", e.getMessage()); // unloadable bytes or wrong tensors
        } catch (RuntimeException e) {
            throw new ModelRejectedException("not a loadable ONNX model", String.valueOf(e.getMessage()));
        }
        if (scorer.readsCandidates() && scorer.candidateWidth() != FeatureLayout.candidateWidth(layout)) {
            int width = scorer.candidateWidth();
            scorer.close();
            throw new ModelRejectedException("onnx contract", "release says feature layout " + layout + " ("
                    + FeatureLayout.candidateWidth(layout) + " candidate columns) but its model reads " + width);
        }
        try {
            scorer.dryRun();
        } catch (ModelContractException | RuntimeException e) {
            scorer.close();
            throw new ModelRejectedException("dry run failed", String.valueOf(e.getMessage()));
        }
        return new ServedModel(release, scorer);
    }

    private static double[] toArray(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    @Override
    public void close() {
        scorer.close();
    }
}
