package org.agentrouter.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Ed25519 keys for model releases, through the JDK alone, and their files.
 *
 * <ul>
 *   <li>A private key file is PEM: a {@code PRIVATE KEY} block (PKCS#8) followed by a {@code PUBLIC KEY} block
 *       (X.509 SubjectPublicKeyInfo) of the same pair. The public half is there because the JDK cannot derive it
 *       from the private one, and a signer must stamp its key id on what it signs.</li>
 *   <li>A public key file is PEM with one or more {@code PUBLIC KEY} blocks; a directory of trusted keys is every
 *       {@code *.pem} and {@code *.pub} file in it.</li>
 *   <li>The key id is the first 8 bytes of the sha256 of the public key's X.509 encoding, in hex (16 characters).</li>
 * </ul>
 */
public final class ModelKeys {
    public static final String ALGORITHM = "Ed25519";
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private ModelKeys() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no " + ALGORITHM + " (Java 15 and later do)", e);
        }
    }

    /** The short fingerprint a signed record carries in {@code key_id}. */
    public static String keyId(byte[] publicKeyX509) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKeyX509);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM must provide SHA-256", e);
        }
    }

    public static String keyId(PublicKey key) {
        return keyId(key.getEncoded());
    }

    /** The private key file's text: the PKCS#8 private key, then the X.509 public key. */
    public static String privateKeyPem(KeyPair pair) {
        return pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + pem("PUBLIC KEY", pair.getPublic().getEncoded());
    }

    public static String publicKeyPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    /** Reads a private key file (both blocks) and checks that the two halves belong together. */
    public static KeyPair readPrivateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<byte[]> privates = blocks(text, "PRIVATE KEY");
        List<byte[]> publics = blocks(text, "PUBLIC KEY");
        if (privates.size() != 1 || publics.size() != 1) {
            throw new IOException(file + ": a signing key file holds one PRIVATE KEY and one PUBLIC KEY block (PEM), found "
                    + privates.size() + " and " + publics.size() + "; make one with ./router model-key generate"
                    + " (or append the output of `openssl pkey -in KEY -pubout`)");
        }
        KeyPair pair;
        try {
            KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
            pair = new KeyPair(factory.generatePublic(new X509EncodedKeySpec(publics.get(0))),
                    factory.generatePrivate(new PKCS8EncodedKeySpec(privates.get(0))));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IOException(file + ": not an " + ALGORITHM + " key pair: " + e.getMessage(), e);
        }
        if (!belongTogether(pair)) {
            throw new IOException(file + ": its PUBLIC KEY block is not the public half of its PRIVATE KEY");
        }
        return pair;
    }

    /** The public keys of a PEM file, or of every {@code *.pem} / {@code *.pub} file of a directory. */
    public static List<PublicKey> readPublicKeys(Path fileOrDir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> list = Files.list(fileOrDir)) {
                list.filter(p -> p.getFileName().toString().endsWith(".pem") || p.getFileName().toString().endsWith(".pub"))
                        .filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        } else if (Files.isRegularFile(fileOrDir)) {
            files.add(fileOrDir);
        } else {
            throw new IOException(fileOrDir + " does not exist (trusted model keys: a PEM file or a directory of them)");
        }
        List<PublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            if (!blocks(text, "PRIVATE KEY").isEmpty()) {
                throw new IOException(file + " holds a PRIVATE KEY: trusted keys are public keys only (model-key generate"
                        + " writes NAME.pub next to NAME.key)");
            }
            for (byte[] der : blocks(text, "PUBLIC KEY")) {
                try {
                    keys.add(KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der)));
                } catch (GeneralSecurityException | RuntimeException e) {
                    throw new IOException(file + ": a PUBLIC KEY block that is not an " + ALGORITHM + " key: " + e.getMessage(), e);
                }
            }
        }
        if (keys.isEmpty()) {
            throw new IOException(fileOrDir + " holds no PUBLIC KEY block" + (Files.isDirectory(fileOrDir) ? " in any *.pem or *.pub file" : ""));
        }
        return keys;
    }

    static List<byte[]> blocks(String text, String label) throws IOException {
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals(label)) continue;
            try {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            } catch (IllegalArgumentException e) {
                throw new IOException("a " + label + " block is not base64: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static boolean belongTogether(KeyPair pair) {
        try {
            byte[] probe = "agent-router key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(pair.getPrivate());
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(pair.getPublic());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static PrivateKey privateKey(byte[] pkcs8) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("not an " + ALGORITHM + " private key: " + e.getMessage(), e);
        }
    }

    static PublicKey publicKey(byte[] x509) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(x509));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("not an " + ALGORITHM + " public key: " + e.getMessage(), e);
        }
    }

    static boolean sameKey(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
