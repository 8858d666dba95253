package org.agentrouter.runtime;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Where the Kafka brokers are and how to talk to them: the bootstrap servers plus the standard Kafka client
 * settings of a properties file ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, ...), which every
 * producer, consumer and admin client of the job and of the commands gets.
 *
 * <p>The file says how to connect, the command line where ({@code --bootstrap}): a file that sets
 * {@code bootstrap.servers} is refused, and so is a key no Kafka client knows (a misspelt {@code sasl.mechanism}
 * would otherwise fall back to the default mechanism and fail with a confusing error). Settings the router
 * chooses itself for a client (acks, isolation level, idempotence, timeouts) are applied after the file's and
 * win. {@link #toString()} never shows a secret (JAAS configuration, passwords, keys).
 */
public final class KafkaConnection {
    private static final ConfigDef[] CLIENT_DEFS = {ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef()};
    private static final Set<String> KNOWN_KEYS = knownKeys();

    private final String bootstrap;
    private final Properties settings;
    /** The file the settings came from, for messages; null when none. */
    private final Path source;

    private KafkaConnection(String bootstrap, Properties settings, Path source) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("no Kafka bootstrap servers given");
        }
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.source = source;
    }

    /** No security settings: PLAINTEXT, the Kafka default. */
    public static KafkaConnection plaintext(String bootstrap) {
        return new KafkaConnection(bootstrap, new Properties(), null);
    }

    /** {@code propertiesFile} may be null: then {@link #plaintext}. */
    public static KafkaConnection of(String bootstrap, Path propertiesFile) {
        if (propertiesFile == null) return plaintext(bootstrap);
        if (!Files.isRegularFile(propertiesFile)) {
            throw new IllegalArgumentException("Kafka client properties file " + propertiesFile.toAbsolutePath() + " does not exist");
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(propertiesFile, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Kafka client properties file " + propertiesFile.toAbsolutePath(), e);
        }
        return of(bootstrap, p, propertiesFile.toAbsolutePath());
    }

    /** Settings given in code (the Java client's builder, tests); checked like a file's. */
    public static KafkaConnection of(String bootstrap, Properties settings) {
        return of(bootstrap, settings, null);
    }

    private static KafkaConnection of(String bootstrap, Properties settings, Path source) {
        Properties copy = new Properties();
        String where = source == null ? "Kafka client settings" : "Kafka client properties file " + source;
        for (String key : settings.stringPropertyNames()) {
            String k = key.trim();
            if (k.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(where + " sets " + k + ": give the brokers with --bootstrap"
                        + " (the file says how to connect, not where)");
            }
            if (!KNOWN_KEYS.contains(k)) {
                throw new IllegalArgumentException(where + ": '" + k + "' is not a Kafka producer, consumer or admin client setting");
            }
            copy.setProperty(k, settings.getProperty(key));
        }
        return new KafkaConnection(bootstrap, copy, source);
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** A copy of the file's settings (without bootstrap.servers): what Flink's Kafka source builder takes. */
    public Properties settings() {
        Properties copy = new Properties();
        copy.putAll(settings);
        return copy;
    }

    /**
     * A new client configuration: bootstrap.servers and the file's settings. The caller adds its own settings
     * after, so where both set a key the caller's value is used.
     */
    public Properties clientConfig() {
        Properties p = settings();
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /** The security protocol clients use: the file's, else PLAINTEXT. */
    public String securityProtocol() {
        return settings.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT").toUpperCase(Locale.ROOT);
    }

    public boolean isPlaintext() {
        return securityProtocol().equals("PLAINTEXT");
    }

    /**
     * Whether a setting's value must never be shown: Kafka's own password-typed settings (key and trust store
     * passwords, PEM keys) and anything else that looks like a credential, such as sasl.jaas.config, which
     * holds the password inline. Also used for broker settings ({@code listener.name.*.sasl.jaas.config}).
     */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.contains("jaas") || k.contains("password") || k.contains("secret") || k.contains("credential")
                || k.contains("token")) {
            return true;
        }
        for (ConfigDef def : CLIENT_DEFS) {
            ConfigDef.ConfigKey c = def.configKeys().get(key);
            if (c != null && c.type == ConfigDef.Type.PASSWORD) return true;
        }
        return false;
    }

    /** For messages and logs: the servers and each setting, secrets as [hidden]. */
    @Override
    public String toString() {
        if (settings.isEmpty()) return bootstrap;
        StringJoiner s = new StringJoiner(", ", bootstrap + " (", ")");
        new TreeMap<>(settings).forEach((k, v) -> s.add(k + "=" + (isSecret((String) k) ? "[hidden]" : v)));
        return s.toString();
    }

    /** Where the settings came from, for messages: the file, or "no Kafka client properties". */
    public String describeSource() {
        return source != null ? source.toString() : settings.isEmpty() ? "no Kafka client properties" : "Kafka client settings";
    }

    private static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>();
        for (ConfigDef def : CLIENT_DEFS) keys.addAll(def.names());
        return keys;
    }
}
