package org.agentrouter.bench;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** The model releases shipped in the operators jar, {@code models/<name>/release.json}: what the scoring benchmark scores with. */
final class ShippedModels {
    private static final String ANCHOR = "models/default/release.json";

    private ShippedModels() {}

    static List<String> names() throws IOException {
        URL anchor = ShippedModels.class.getClassLoader().getResource(ANCHOR);
        if (anchor == null) {
            throw new IOException(ANCHOR + " is not on the classpath: is the operators module built?");
        }
        TreeSet<String> names = new TreeSet<>();
        if ("jar".equals(anchor.getProtocol())) {
            JarURLConnection connection = (JarURLConnection) anchor.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                jar.stream().map(e -> e.getName().split("/"))
                        .filter(p -> p.length == 3 && p[0].equals("models") && p[2].equals("release.json"))
                        .forEach(p -> names.add(p[1]));
            }
        } else {
            try (Stream<Path> dirs = Files.list(Path.of(anchor.toURI()).getParent().getParent())) {
                dirs.filter(d -> Files.exists(d.resolve("release.json"))).forEach(d -> names.add(d.getFileName().toString()));
            } catch (URISyntaxException e) {
                throw new IOException("cannot list " + anchor + ": " + e.getMessage(), e);
            }
        }
        return new ArrayList<>(names);
    }
}
