package org.agentrouter.signing;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelRelease;

/**
 * Signs releases and controls with one Ed25519 key: {@code ./router publish-model}, {@code rollback} and
 * {@code rollout} with the operator's key, the rollout judge with the job's. Serializable (the job's signer
 * travels with the job graph to the judge's TaskManager): it holds the key's encodings and builds the JDK key
 * objects when it signs.
 */
public final class ModelSigner implements Serializable {
    private static final long serialVersionUID = 1L;

    private final byte[] privateKeyPkcs8;
    private final byte[] publicKeyX509;
    private final String keyId;

    public ModelSigner(KeyPair pair) {
        this.privateKeyPkcs8 = pair.getPrivate().getEncoded();
        this.publicKeyX509 = pair.getPublic().getEncoded();
        this.keyId = ModelKeys.keyId(publicKeyX509);
    }

    /** A signer with the key of a private key file ({@link ModelKeys#readPrivateKey}). */
    public static ModelSigner read(Path privateKeyFile) throws IOException {
        return new ModelSigner(ModelKeys.readPrivateKey(privateKeyFile));
    }

    public String keyId() {
        return keyId;
    }

    public byte[] publicKeyX509() {
        return publicKeyX509.clone();
    }

    /** A copy of the release with {@code signature} and {@code key_id} set. */
    public ModelRelease sign(ModelRelease release) {
        return ModelRelease.newBuilder(release).setKeyId(keyId).setSignature(ByteBuffer.wrap(signature(SignedBytes.of(release))))
                .build();
    }

    /** A copy of the control with {@code signature} and {@code key_id} set. */
    public ModelControl sign(ModelControl control) {
        return ModelControl.newBuilder(control).setKeyId(keyId).setSignature(ByteBuffer.wrap(signature(SignedBytes.of(control))))
                .build();
    }

    private byte[] signature(byte[] message) {
        try {
            Signature s = Signature.getInstance(ModelKeys.ALGORITHM);
            s.initSign(ModelKeys.privateKey(privateKeyPkcs8));
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with key " + keyId + ": " + e.getMessage(), e);
        }
    }
}
