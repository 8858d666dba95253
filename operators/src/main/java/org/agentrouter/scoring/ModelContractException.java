package org.agentrouter.scoring;

/**
 * A model release that must not be served: its bytes do not load, its tensors do not match
 * {@link org.agentrouter.features.FeatureLayout}, its hash does not match, or its dry run produced
 * values outside [0, 1]. Checked on purpose: whoever swaps models has to decide what to keep serving
 * when a new release is refused.
 */
public class ModelContractException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelContractException(String message) {
        super(message);
    }

    public ModelContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
