package org.agentrouter.signing;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelRejectedException;

/**
 * The public keys a job accepts model releases and controls from ({@code --trusted-model-keys}). With none, nothing
 * is checked: the behaviour of the job before signing existed, kept as the default so that running deployments and
 * the releases their compacted topic holds keep working; it trusts whoever can write to router-models.
 *
 * <p>With keys, a release or control is refused (rule {@value #RULE}) unless its {@code key_id} names a trusted key
 * and its {@code signature} verifies over {@link SignedBytes} with that key. The job's own key (the rollout
 * judge's, {@code --job-signing-key}) is trusted for one thing only: a rollback that names the challenger version it
 * withdraws, requested by the rollout judge. Its private key travels in the job graph, so whoever can read that can
 * at worst withdraw a challenger, never publish a model or move traffic.
 *
 * <p>Serializable and immutable: one copy per scorer, shipped with the job graph (no TaskManager opens a key file).
 */
public final class TrustedModelKeys implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String RULE = "signature";
    /** ModelControl.requested_by of the rollout judge (RolloutJudge.REQUESTED_BY; that class is Flink's side). */
    public static final String JUDGE = "rollout-judge";
    private static final String ROLLBACK = "rollback";

    /** A trusted key: its X.509 encoding, and whether it may sign only the judge's rollbacks. */
    private record Key(byte[] x509, boolean judgeOnly) implements Serializable {}

    private final Map<String, Key> keys;

    private TrustedModelKeys(Map<String, Key> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    /** No keys: nothing is verified (the insecure default, see the class comment). */
    public static TrustedModelKeys none() {
        return new TrustedModelKeys(new TreeMap<>());
    }

    public static TrustedModelKeys of(List<PublicKey> publicKeys) {
        Map<String, Key> keys = new TreeMap<>();
        for (PublicKey k : publicKeys) {
            keys.put(ModelKeys.keyId(k), new Key(k.getEncoded(), false));
        }
        return new TrustedModelKeys(keys);
    }

    /** The public keys of a PEM file or a directory of them ({@link ModelKeys#readPublicKeys}). */
    public static TrustedModelKeys read(Path fileOrDir) throws IOException {
        return of(ModelKeys.readPublicKeys(fileOrDir));
    }

    /**
     * These keys plus the job's own, for the judge's rollbacks only; a key already trusted in full keeps its full
     * trust (an operator chose that).
     */
    public TrustedModelKeys withJudgeKey(byte[] publicKeyX509) {
        Map<String, Key> more = new TreeMap<>(keys);
        more.putIfAbsent(ModelKeys.keyId(publicKeyX509), new Key(publicKeyX509.clone(), true));
        return new TrustedModelKeys(more);
    }

    /** Whether signatures are checked at all: some key is trusted for releases. */
    public boolean enforced() {
        return keys.values().stream().anyMatch(k -> !k.judgeOnly());
    }

    /** Key ids, each marked when it may sign only the judge's rollbacks. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        keys.forEach((id, k) -> s.append(s.length() == 0 ? "" : ", ").append(id).append(k.judgeOnly() ? " (job: judge rollbacks)" : ""));
        return s.toString();
    }

    /** @throws ModelRejectedException (rule {@value #RULE}) when keys are configured and the release is not signed by one */
    public void verify(ModelRelease release) throws ModelRejectedException {
        if (!enforced()) return;
        String what = "release " + release.getName() + " " + release.getVersion();
        Key key = signer(what, release.getSignature(), release.getKeyId());
        if (key.judgeOnly()) {
            throw refuse(what + " is signed with key " + release.getKeyId()
                    + ", the job's own key, which may sign only the rollout judge's rollbacks");
        }
        check(what, key, release.getKeyId(), release.getSignature(), SignedBytes.of(release));
    }

    /** @throws ModelRejectedException (rule {@value #RULE}) when keys are configured and the control is not signed by one */
    public void verify(ModelControl control) throws ModelRejectedException {
        if (!enforced()) return;
        String what = control.getAction() + " control requested by " + control.getRequestedBy();
        Key key = signer(what, control.getSignature(), control.getKeyId());
        if (key.judgeOnly() && !(ROLLBACK.equals(control.getAction()) && JUDGE.equals(control.getRequestedBy())
                && !control.getModelVersion().isEmpty())) {
            throw refuse(what + " is signed with key " + control.getKeyId() + ", the job's own key, which may sign only"
                    + " the rollout judge's rollbacks of a named challenger version");
        }
        check(what, key, control.getKeyId(), control.getSignature(), SignedBytes.of(control));
    }

    private Key signer(String what, ByteBuffer signature, String keyId) throws ModelRejectedException {
        if (signature == null || !signature.hasRemaining()) {
            throw refuse(what + " is unsigned; this job accepts only what one of its trusted keys signed (" + describe() + ")");
        }
        Key key = keys.get(keyId);
        if (key == null) {
            throw refuse(what + " is signed with key '" + keyId + "', which this job does not trust (" + describe() + ")");
        }
        return key;
    }

    private static void check(String what, Key key, String keyId, ByteBuffer signature, byte[] message)
            throws ModelRejectedException {
        byte[] sig = new byte[signature.remaining()];
        signature.duplicate().get(sig);
        boolean valid;
        try {
            Signature s = Signature.getInstance(ModelKeys.ALGORITHM);
            s.initVerify(ModelKeys.publicKey(key.x509()));
            s.update(message);
            valid = s.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            valid = false; // a malformed signature (wrong length) is a signature that does not verify
        }
        if (!valid) {
            throw refuse(what + ": the signature does not verify with key " + keyId
                    + " (changed after signing, or signed by another key)");
        }
    }

    private static ModelRejectedException refuse(String reason) {
        return new ModelRejectedException(RULE, reason);
    }
}
