package org.agentrouter.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * Classpaths of the cluster's processes, taken from the JVM that launches them (the CLI or a test).
 *
 * <p>Flink's processes get what a Flink distribution would have in its lib/: the running classpath minus
 * the router's own code (that arrives in the submitted job jar) and minus the Kafka connector. The connector
 * must not be there: {@code org.apache.flink.*} classes always load parent-first, so a connector on the
 * cluster classpath would link against the cluster's kafka-clients while the job's own deserializers link
 * against the job jar's copy, a loader-constraint violation at the first record. Nor OpenTelemetry (the job jar brings
 * its own, as a distribution's lib/ has none): the context API finds its storage through the ServiceLoader, which would
 * also see providers of a second copy on the cluster classpath (the test SDK's, for one) and fail as "not a subtype".
 */
final class ClusterClasspath {
    private static final String OWN_PACKAGE = "org/agentrouter/";

    private ClusterClasspath() {}

    /** Everything the launching JVM sees: enough for the Kafka broker process, which runs router code. */
    static String full() {
        return System.getProperty("java.class.path");
    }

    /** The launching JVM's classpath without router code and without the Kafka connector. */
    static String flink() {
        List<String> kept = new ArrayList<>();
        for (String entry : full().split(File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path path = Path.of(entry);
            String name = path.getFileName().toString();
            if (name.startsWith("flink-connector-kafka") || name.startsWith("opentelemetry-") || containsRouterCode(path)) continue;
            kept.add(entry);
        }
        return String.join(File.pathSeparator, kept);
    }

    private static boolean containsRouterCode(Path entry) {
        if (Files.isDirectory(entry)) {
            return Files.isDirectory(entry.resolve(OWN_PACKAGE));
        }
        if (!entry.toString().endsWith(".jar") || !Files.isRegularFile(entry)) {
            return false;
        }
        try (ZipFile jar = new ZipFile(entry.toFile())) {
            return jar.stream().anyMatch(e -> e.getName().startsWith(OWN_PACKAGE));
        } catch (IOException e) {
            return false;
        }
    }
}
