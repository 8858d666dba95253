package org.agentrouter.study;


import org.agentrouter.eval.OutcomeTable;
/**
 * Everything the study reads per prompt, as flat arrays indexed by {@link OutcomeTable} row. Rows are
 * never renumbered: variants such as "without the defective subject" restrict which rows take part.
 */
final class StudyData {
    final OutcomeTable table;
    /** L2-normalised prompt embeddings. */
    final float[][] vectors;
    final double[] weak;
    final double[] strong;
    /** strong - weak: +1 only the strong model right, -1 only the weak one. */
    final double[] gain;
    final int[] subject;
    final int subjectCount;

    StudyData(OutcomeTable table, float[][] vectors) {
        if (vectors.length != table.size()) {
            throw new IllegalArgumentException(vectors.length + " vectors for " + table.size() + " rows");
        }
        this.table = table;
        this.vectors = normalised(vectors);
        this.weak = table.weakOutcomes();
        this.strong = table.strongOutcomes();
        int n = table.size();
        this.gain = new double[n];
        this.subject = new int[n];
        for (int i = 0; i < n; i++) {
            gain[i] = strong[i] - weak[i];
            subject[i] = table.subjectIndex(i);
        }
        this.subjectCount = table.subjects().size();
    }

    int size() {
        return gain.length;
    }

    String prompt(int row) {
        return table.prompt(row);
    }

    String subjectName(int s) {
        return table.subjects().get(s);
    }

    private static float[][] normalised(float[][] vectors) {
        float[][] out = new float[vectors.length][];
        for (int i = 0; i < vectors.length; i++) {
            double norm = 0;
            for (float v : vectors[i]) {
                norm += v * v;
            }
            float scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0f;
            out[i] = new float[vectors[i].length];
            for (int d = 0; d < vectors[i].length; d++) {
                out[i][d] = vectors[i][d] * scale;
            }
        }
        return out;
    }
}
