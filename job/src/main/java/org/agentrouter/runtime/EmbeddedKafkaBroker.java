package org.agentrouter.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.TransactionVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM.
 *
 * <p>It is the same server code a cluster runs, so transactions, compaction and consumer groups behave
 * as in production; only the replication factor is 1. Data survives {@link #close()}: starting again on
 * the same directory reopens the formatted storage instead of formatting it again.
 *
 * <p>Plain by default (PLAINTEXT, no ACLs). With {@link Scram} it is an authenticated broker: clients must log
 * in with SASL/SCRAM-SHA-256 on the client listener, and the KRaft {@code StandardAuthorizer} allows only what
 * ACLs grant (nothing by default), except to the super user, which is also the broker's own principal.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 3;

    /** The SCRAM mechanism clients and the broker itself use on the client listener. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-256";
    private static final String SASL_LISTENER = "SASL_PLAINTEXT";
    private static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** Names and passwords go into JAAS option strings unquoted by anything else: keep them to safe characters. */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.-]+");

    /**
     * The authenticated mode: SCRAM users (name to password) created when the storage is formatted, and the
     * super user among them, who bypasses ACLs and is the broker's own principal (inter-broker and controller
     * connections). A data directory formatted before keeps the users it was formatted with.
     */
    public record Scram(String superUser, Map<String, String> passwords) {
        public Scram {
            passwords = Map.copyOf(passwords);
            if (!passwords.containsKey(superUser)) {
                throw new IllegalArgumentException("the super user " + superUser + " needs a password too");
            }
            passwords.forEach((user, password) -> {
                if (!SAFE.matcher(user).matches() || !SAFE.matcher(password).matches()) {
                    throw new IllegalArgumentException("SCRAM user names and passwords take letters, digits, '_', '.' and '-' only (user " + user + ")");
                }
            });
        }
    }

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDir;
    /** Null: plain PLAINTEXT broker. */
    private final Scram scram;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, Path dataDir, Scram scram) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
        this.scram = scram;
    }

    /**
     * Starts a broker that keeps its data under {@code dataDir} and returns once clients can use it.
     *
     * @param port the client (PLAINTEXT) port on 127.0.0.1; 0 picks a free one
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port) {
        return start(dataDir, port, null);
    }

    /**
     * Starts an authenticated broker (SASL/SCRAM-SHA-256 on its client port, ACLs enforced) when {@code scram}
     * is given, else a plain one.
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port, Scram scram) {
        if (port != 0) {
            // The controller port is internal to this process, so it is always picked afresh; a static
            // voter set (controller.quorum.voters) stores only node ids, so a new port on restart is fine.
            return startOn(dataDir, port, freePortOtherThan(port, EmbeddedKafkaBroker::freePort), scram);
        }
        return startOnFreePorts(dataDir, EmbeddedKafkaBroker::freePort, scram);
    }

    /**
     * A free port is found by binding and closing a socket, and the server binds it again a second or two later:
     * a process starting meanwhile (a TaskManager of the same local cluster, a parallel build) can take it. That
     * lost race is retried on fresh ports; any other failure is not.
     */
    static EmbeddedKafkaBroker startOnFreePorts(Path dataDir, IntSupplier freePorts) {
        return startOnFreePorts(dataDir, freePorts, null);
    }

    private static EmbeddedKafkaBroker startOnFreePorts(Path dataDir, IntSupplier freePorts, Scram scram) {
        for (int attempt = 1; ; attempt++) {
            int brokerPort = freePorts.getAsInt();
            int controllerPort = freePortOtherThan(brokerPort, freePorts);
            try {
                return startOn(dataDir, brokerPort, controllerPort, scram);
            } catch (IllegalStateException e) {
                if (attempt == PORT_ATTEMPTS || !lostPortRace(e)) throw e;
                LOG.warn("Kafka broker could not bind {}:{} or {}:{} (taken since it was found free); trying other ports",
                        HOST, brokerPort, HOST, controllerPort);
            }
        }
    }

    private static EmbeddedKafkaBroker startOn(Path dataDir, int brokerPort, int controllerPort, Scram scram) {
        long startNanos = System.nanoTime();
        Path logDir = dataDir.resolve("log");
        Properties props = serverProperties(logDir, brokerPort, controllerPort);
        if (scram != null) authenticated(props, brokerPort, controllerPort, scram);
        writeForHumans(dataDir, props);

        KafkaConfig config = KafkaConfig.fromProps(props, false);
        boolean formatted = formatIfNew(logDir, scram);

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutDown(server);
            throw new IllegalStateException("Kafka broker failed to start on " + HOST + ":" + brokerPort
                    + " (controller " + HOST + ":" + controllerPort + ") with data in " + dataDir, e);
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, HOST + ":" + brokerPort, dataDir, scram);
        try {
            Topics.awaitBroker(broker.connection(), READY_TIMEOUT);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        LOG.info("Kafka broker ready at {} in {} ms ({} storage in {}{})", broker.bootstrapServers,
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
                formatted ? "new" : "existing", dataDir,
                scram == null ? "" : "; SASL/" + SCRAM_MECHANISM + " and ACLs, super user " + scram.superUser());
        return broker;
    }

    private static boolean lostPortRace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) return true;
        }
        return false;
    }

    /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:9092}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Whether clients must authenticate (SASL/SCRAM) and ACLs apply. */
    public boolean authenticated() {
        return scram != null;
    }

    /** A connection with every right: PLAINTEXT on a plain broker, the super user on an authenticated one. */
    public KafkaConnection connection() {
        return scram == null ? KafkaConnection.plaintext(bootstrapServers) : connectionAs(scram.superUser());
    }

    /** A connection logged in as {@code user} (an authenticated broker only). */
    public KafkaConnection connectionAs(String user) {
        return KafkaConnection.of(bootstrapServers, clientSettings(user));
    }

    /** The standard client settings that log in as {@code user}: what an agent's properties file holds. */
    public Properties clientSettings(String user) {
        if (scram == null) throw new IllegalStateException("the broker at " + bootstrapServers + " is not authenticated");
        String password = scram.passwords().get(user);
        if (password == null) throw new IllegalArgumentException("no SCRAM user " + user + " on the broker at " + bootstrapServers);
        Properties p = new Properties();
        p.setProperty("security.protocol", SASL_LISTENER);
        p.setProperty("sasl.mechanism", SCRAM_MECHANISM);
        p.setProperty("sasl.jaas.config", scramJaas(user, password));
        return p;
    }

    /** Writes {@link #clientSettings} to {@code file} as a person would: one {@code key=value} line each, nothing escaped. */
    public Path writeClientProperties(String user, Path file) {
        StringBuilder text = new StringBuilder("# Kafka client settings of ").append(user).append(" (SASL/SCRAM)\n");
        new java.util.TreeMap<>(clientSettings(user)).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** Shuts the broker down cleanly (flushes logs, writes a clean-shutdown marker) and waits for it. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            shutDown(server);
            LOG.info("Kafka broker at {} stopped", bootstrapServers);
        }
    }

    private static void shutDown(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties serverProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", String.valueOf(NODE_ID));
        p.setProperty("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort
                + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", logDir.toAbsolutePath().toString());

        // One node: every internal topic must accept a single replica or it is never created.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // The default 50 partitions per internal topic cost seconds of file creation on a small machine
        // when the first consumer group or transactional producer appears, for no gain on one node.
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.num.partitions", "4");

        // A single consumer joins at once instead of waiting 3 s for peers that never come.
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("num.partitions", "1");
        // Topics are created on purpose (Topics.ensure) so a typo fails loudly instead of making a new topic.
        p.setProperty("auto.create.topics.enable", "false");
        return p;
    }

    /**
     * SASL/SCRAM on the client listener (which is also the inter-broker one: the transaction coordinator writes
     * markers to partition leaders through it) and SASL/PLAIN on the controller listener, since a controller
     * cannot check SCRAM credentials before it has read them from its own metadata log. The broker logs in to
     * both as the super user; every other principal gets only what ACLs grant.
     */
    private static void authenticated(Properties p, int brokerPort, int controllerPort, Scram scram) {
        String superUser = scram.superUser();
        String password = scram.passwords().get(superUser);
        p.setProperty("listeners", SASL_LISTENER + "://" + HOST + ":" + brokerPort
                + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", SASL_LISTENER + "://" + HOST + ":" + brokerPort);
        p.setProperty("listener.security.protocol.map", SASL_LISTENER + ":SASL_PLAINTEXT," + CONTROLLER_LISTENER + ":SASL_PLAINTEXT");
        p.setProperty("inter.broker.listener.name", SASL_LISTENER);
        p.setProperty("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
        String client = "listener.name." + SASL_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        p.setProperty(client + "sasl.enabled.mechanisms", SCRAM_MECHANISM);
        p.setProperty(client + SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config", scramJaas(superUser, password));
        String controller = "listener.name." + CONTROLLER_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        p.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
        p.setProperty(controller + "sasl.enabled.mechanisms", "PLAIN");
        p.setProperty(controller + "plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"" + superUser + "\" password=\"" + password + "\" user_" + superUser + "=\"" + password + "\";");
        p.setProperty("authorizer.class.name", AUTHORIZER);
        p.setProperty("super.users", "User:" + superUser);
    }

    private static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** Formats the storage unless an earlier run already did; returns whether it formatted. */
    private static boolean formatIfNew(Path logDir, Scram scram) {
        if (Files.exists(logDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            return false;
        }
        try {
            Files.createDirectories(logDir);
            // kafka-storage format --add-scram: the users exist before the first client (or the broker itself) logs in.
            List<String> scramUsers = new ArrayList<>();
            if (scram != null) {
                new LinkedHashMap<>(scram.passwords()).forEach((user, password) ->
                        scramUsers.add(SCRAM_MECHANISM + "=[name=" + user + ",password=" + password + "]"));
            }
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .addDirectory(logDir.toAbsolutePath().toString())
                    .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
                    // Transaction version 2 (the 4.x default, KIP-890) bumps the producer epoch at every
                    // transaction end; Flink's exactly-once sink then logs a spurious "producer is already
                    // fenced ... data loss" error after recovery. Version 1 keeps the epoch it resumes with.
                    .setFeatureLevel(TransactionVersion.FEATURE_NAME, TransactionVersion.TV_1.featureLevel())
                    .setScramArguments(scramUsers)
                    .run();
            return true;
        } catch (Exception e) {
            throw new IllegalStateException("could not format Kafka storage in " + logDir, e);
        }
    }

    /** The broker reads its config from memory; the file only shows a human what ran (passwords hidden). */
    private static void writeForHumans(Path dataDir, Properties props) {
        Properties shown = new Properties();
        props.forEach((k, v) -> shown.put(k, KafkaConnection.isSecret((String) k) ? "[hidden]" : v));
        try {
            Files.createDirectories(dataDir);
            try (Writer out = Files.newBufferedWriter(dataDir.resolve("server.properties"))) {
                shown.store(out, "written by EmbeddedKafkaBroker on every start; editing it has no effect");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to Kafka data directory " + dataDir, e);
        }
    }

    private static int freePortOtherThan(int taken, IntSupplier freePorts) {
        int port = freePorts.getAsInt();
        while (port == taken) {
            port = freePorts.getAsInt();
        }
        return port;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on " + HOST, e);
        }
    }
}
