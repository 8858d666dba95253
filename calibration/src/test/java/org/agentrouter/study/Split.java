package org.agentrouter.study;

/**
 * One outer fold of a protocol: the memory the router may learn from and retrieve ({@code train}) and
 * the prompts it is scored on ({@code test}).
 *
 * <p>{@code subjectsHeldOut} states what "unseen" means for the training rows when a model is stacked
 * on retrieval features: their features must be computed the way the test rows' are, so under the
 * unseen-subject protocol a training row never retrieves a row of its own subject, and under the random
 * protocol it only never retrieves itself.
 */
record Split(String protocol, int fold, int[] train, int[] test, boolean subjectsHeldOut) {

    boolean[] memoryMask(int n) {
        boolean[] mask = new boolean[n];
        for (int row : train) {
            mask[row] = true;
        }
        return mask;
    }
}
