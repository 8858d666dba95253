package org.agentrouter.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the {@code prometheus} binary) in its own process, with its own configuration,
 * storage directory and port, and its HTTP API: what the alert tests talk to.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code binary} with {@code config} (written to dir), waits until it is ready. */
    public static PrometheusServer start(Path binary, Path dir, String config, Duration timeout) throws Exception {
        Files.createDirectories(dir);
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary.toString(), "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, log, port);
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("prometheus exited with " + p.exitValue() + ":\n" + server.log());
            try {
                HttpResponse<String> r = server.get("/-/ready");
                if (r.statusCode() == 200) return server;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        server.close();
        throw new IllegalStateException("prometheus not ready after " + timeout + ":\n" + server.log());
    }

    /** The active (pending or firing) alerts, as /api/v1/alerts lists them. */
    public List<JsonNode> alerts() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        data("/api/v1/alerts").path("alerts").forEach(out::add);
        return out;
    }

    /** An instant query's result vector. */
    public JsonNode query(String promql) throws Exception {
        return data("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).path("result");
    }

    /** Every series name Prometheus holds. */
    public List<String> metricNames() throws Exception {
        List<String> out = new ArrayList<>();
        data("/api/v1/label/__name__/values").forEach(n -> out.add(n.asText()));
        return out;
    }

    private JsonNode data(String path) throws Exception {
        HttpResponse<String> r = get(path);
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("prometheus " + path + ": " + r.statusCode() + " " + r.body());
        }
        return body.path("data");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the server logged (warnings and errors). */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
