package org.agentrouter.cluster;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where a local cluster keeps its files: the generated Flink conf dir, logs, pid files, checkpoints, the
 * broker's data, and {@code cluster.properties} (the addresses {@code status} and {@code submit} need).
 */
public final class ClusterLayout {
    static final String REST_ADDRESS = "rest.address";
    static final String BOOTSTRAP = "kafka.bootstrap";

    private final Path root;

    public ClusterLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() { return root; }
    public Path confDir() { return root.resolve("conf"); }
    public Path logDir() { return root.resolve("logs"); }
    public Path pidDir() { return root.resolve("pids"); }
    public Path checkpointDir() { return root.resolve("checkpoints"); }
    public Path savepointDir() { return root.resolve("savepoints"); }
    public Path tmpDir() { return root.resolve("tmp"); }
    public Path kafkaDataDir() { return root.resolve("kafka"); }
    public Path kafkaReadyFile() { return root.resolve("kafka").resolve("bootstrap.ready"); }
    Path stateFile() { return root.resolve("cluster.properties"); }

    void createDirectories() {
        try {
            for (Path dir : new Path[] {confDir(), logDir(), pidDir(), checkpointDir(), savepointDir(), tmpDir(), kafkaDataDir()}) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster run directory " + root, e);
        }
    }

    void writeState(Properties state) {
        try (Writer out = Files.newBufferedWriter(stateFile())) {
            state.store(out, "written by ./router cluster up");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + stateFile(), e);
        }
    }

    /** Empty when no cluster was started from this directory. */
    public Properties readState() {
        Properties state = new Properties();
        if (Files.isRegularFile(stateFile())) {
            try (Reader in = Files.newBufferedReader(stateFile())) {
                state.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + stateFile(), e);
            }
        }
        return state;
    }

    /** The JobManager's REST address (host:port) recorded by {@code cluster up}, if any. */
    public String restAddress() {
        return readState().getProperty(REST_ADDRESS);
    }

    /** The Kafka bootstrap servers recorded by {@code cluster up}, if any. */
    public String bootstrap() {
        return readState().getProperty(BOOTSTRAP);
    }
}
