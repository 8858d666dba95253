package org.agentrouter.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.agentrouter.embedding.TokenCounter;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.FeatureAssembler;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.intake.InvalidQueryException;
import org.agentrouter.intake.QueryValidator;
import org.agentrouter.learning.SharedPrior;
import org.agentrouter.query.QueryContext;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.schema.AgentQuery;

/**
 * Outcome rows as the replay needs them, computed once: each row's query as an agent sends it ({@link #query}),
 * the shared prior's features of that query as the job computes them (the job's own validator normalises the
 * vector, {@code FeatureAssembler.query} builds the query row, {@link SharedPrior#features} reads it), the
 * needs-strong label, both outcomes, and what each model would cost (the job's pricing and tokenizer).
 */
public final class ReplayData {
    public final OutcomeTable table;
    public final float[][] vectors;
    public final double[][] features;
    public final boolean[] needsStrong;
    public final double[] weakCost;
    public final double[] strongCost;
    public final double goodAt;

    public ReplayData(OutcomeTable table, float[][] vectors, double goodAt) {
        this.table = table;
        this.vectors = vectors;
        this.goodAt = goodAt;
        int n = table.size();
        features = new double[n][];
        needsStrong = new boolean[n];
        weakCost = new double[n];
        strongCost = new double[n];
        QueryValidator validator = new QueryValidator(FeatureLayout.MAX_CANDIDATES, new InputLimits());
        IntStream.range(0, n).parallel().forEach(i -> {
            QueryContext q;
            try {
                q = validator.toContext(query(i, table.subject(i)));
            } catch (InvalidQueryException e) {
                throw new IllegalArgumentException("row " + i + " of " + table.subject(i) + " is not a valid query: " + e.getMessage(), e);
            }
            float[] row = new float[FeatureLayout.QUERY_WIDTH];
            FeatureAssembler.query(q.embedding, q.text, 0, row);
            features[i] = new double[SharedPrior.WIDTH];
            SharedPrior.features(row, q.text, features[i]);
        });
        PricingTable pricing = PricingTable.defaults();
        try (TokenCounter tokens = new TokenCounter()) {
            for (int i = 0; i < n; i++) {
                needsStrong[i] = table.strong(i) >= goodAt && table.weak(i) < goodAt;
                int t = tokens.count(table.prompt(i));
                weakCost[i] = pricing.costUsd(0, t);
                strongCost[i] = pricing.costUsd(pricing.strongest(), t);
            }
        }
    }

    public int size() {
        return table.size();
    }

    /** The id of a replayed query: its namespace and row. */
    public static String queryId(String namespace, int row) {
        return namespace + "#" + row;
    }

    /** Row {@code row} as the agent of {@code namespace} sends it: its text and its vector. */
    public AgentQuery query(int row, String namespace) {
        List<Float> v = new ArrayList<>(vectors[row].length);
        for (float f : vectors[row]) v.add(f);
        return AgentQuery.newBuilder().setQueryId(queryId(namespace, row)).setNamespace(namespace)
                .setText(table.prompt(row)).setEmbedding(v).setEventTimeMs(0).setContextK(0).build();
    }

    /** The needs-strong labels of some rows. */
    public boolean[] labels(int[] rows) {
        boolean[] y = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) y[i] = needsStrong[rows[i]];
        return y;
    }

    public double[][] featuresOf(int[] rows) {
        double[][] x = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) x[i] = features[rows[i]];
        return x;
    }

    /** P(W=0 | S=1) (givenStrongRight) or P(S=1 | W=0) over some rows. */
    public double conditional(int[] rows, boolean givenStrongRight) {
        int num = 0, den = 0;
        for (int i : rows) {
            boolean s = table.strong(i) >= goodAt, w = table.weak(i) >= goodAt;
            if (givenStrongRight ? s : !w) {
                den++;
                if (s && !w) num++;
            }
        }
        return den == 0 ? 0.5 : num / (double) den;
    }

    /** A namespace of these rows in the seeded arrival order, each with its prior by {@code prior}. */
    public ReplayNamespace namespace(String name, int[] rows, SharedPrior prior, long seed) {
        int[] order = ReplayNamespace.order(rows, name, seed);
        int n = order.length;
        String[] ids = new String[n];
        double[] pr = new double[n], w = new double[n], s = new double[n], wc = new double[n], sc = new double[n];
        for (int i = 0; i < n; i++) {
            int r = order[i];
            ids[i] = queryId(name, r);
            pr[i] = prior.pStrong(features[r]);
            w[i] = table.weak(r);
            s[i] = table.strong(r);
            wc[i] = weakCost[r];
            sc[i] = strongCost[r];
        }
        return new ReplayNamespace(name, order, ids, pr, w, s, wc, sc);
    }
}
