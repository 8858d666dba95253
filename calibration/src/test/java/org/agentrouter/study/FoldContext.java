package org.agentrouter.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What routers evaluated on one split share, computed on first use: neighbour lists under the split's
 * visibility rules and the out-of-fold feature table for stacked models.
 */
final class FoldContext {
    /** Longest neighbour list any router or feature reads. */
    static final int MAX_K = 300;
    static final int INNER_FOLDS = 5;

    final StudyData data;
    final CosineMatrix matrix;
    final Split split;
    final boolean[] memory;
    final long seed;
    private int[] innerFold;
    private NeighbourLists testNeighbours;
    private NeighbourLists trainNeighbours;
    private FeatureTable features;
    private final List<String> notes = new ArrayList<>();

    FoldContext(StudyData data, CosineMatrix matrix, Split split, long seed) {
        this.data = data;
        this.matrix = matrix;
        this.split = split;
        this.memory = split.memoryMask(data.size());
        this.seed = seed;
    }

    /** Test rows retrieve from the whole memory (which holds none of their subject under P1). */
    NeighbourLists testNeighbours() {
        if (testNeighbours == null) {
            testNeighbours = NeighbourLists.build(matrix, split.test(), MAX_K, (q, j) -> memory[j]);
        }
        return testNeighbours;
    }

    /**
     * Training rows retrieve as a test row would, so a model stacked on these features learns what
     * retrieval looks like for a prompt whose outcome is unknown: under P1 they never see their own
     * subject; under P2 they never see their own inner fold. (Leaving out only the row itself would
     * leak its label through every per-subject mean: with the subject's sum fixed, the mean of the
     * others falls exactly when the row's own gain rises, and boosted stumps learn that.)
     */
    NeighbourLists trainNeighbours() {
        if (trainNeighbours == null) {
            int[] subject = data.subject;
            int[] inner = innerFoldByRow();
            NeighbourLists.Visibility rule = split.subjectsHeldOut()
                    ? (q, j) -> memory[j] && subject[j] != subject[q]
                    : (q, j) -> memory[j] && inner[j] != inner[q];
            trainNeighbours = NeighbourLists.build(matrix, split.train(), MAX_K, rule);
        }
        return trainNeighbours;
    }

    /**
     * Inner fold of each training row (-1 for other rows), for out-of-fold features: whole subjects
     * per inner fold under P1, random rows under P2.
     */
    int[] innerFoldByRow() {
        if (innerFold == null) {
            int[] train = split.train();
            innerFold = new int[data.size()];
            Arrays.fill(innerFold, -1);
            if (split.subjectsHeldOut()) {
                int[] foldOfSubject = FoldPlan.subjectFolds(data, INNER_FOLDS, seed + split.fold(), train);
                for (int row : train) {
                    innerFold[row] = foldOfSubject[data.subject[row]];
                }
            } else {
                int[] random = FoldPlan.randomFolds(train.length, INNER_FOLDS, seed + split.fold());
                for (int i = 0; i < train.length; i++) {
                    innerFold[train[i]] = random[i];
                }
            }
        }
        return innerFold;
    }

    /** Records a per-fold detail worth reporting, e.g. which features a router chose. */
    void note(String text) {
        notes.add(text);
    }

    List<String> notes() {
        return notes;
    }

    FeatureTable features() {
        if (features == null) {
            features = NeighbourFeatures.build(this);
        }
        return features;
    }
}
