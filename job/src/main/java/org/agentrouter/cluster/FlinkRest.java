package org.agentrouter.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The few JobManager REST calls the cluster commands and tests need, with short timeouts and plain errors. */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String address;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** @param address host:port of the JobManager's REST endpoint */
    public FlinkRest(String address) {
        this.address = address;
    }

    public String address() {
        return address;
    }

    /** GET {@code path} as JSON; an {@link IOException} that names the address when nothing answers. */
    public JsonNode get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(TIMEOUT).GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling the JobManager at " + address, e);
        } catch (IOException e) {
            throw new IOException("no Flink JobManager answered at http://" + address + " (" + e + ")", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " at " + address + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Cancels a job (PATCH /jobs/:id?mode=cancel); returns once the JobManager accepted the request. */
    public void cancel(String jobId) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/jobs/" + jobId + "?mode=cancel"))
                .timeout(TIMEOUT).method("PATCH", HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("cancel " + jobId + " at " + address + ": HTTP " + response.statusCode() + " " + response.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while cancelling " + jobId, e);
        }
    }

    /** How many of the job's subtasks each TaskManager (by resource id) runs. */
    public java.util.Map<String, Integer> subtasksPerTaskManager(String jobId) throws IOException {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (JsonNode vertex : job(jobId).path("vertices")) {
            JsonNode tms = get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers");
            for (JsonNode tm : tms.path("taskmanagers")) {
                int subtasks = 0;
                for (JsonNode n : tm.path("status-counts")) subtasks += n.asInt();
                counts.merge(tm.path("taskmanager-id").asText(), subtasks, Integer::sum);
            }
        }
        return counts;
    }

    /** Whether the JobManager answers at all. */
    public boolean answers() {
        try {
            get("/overview");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code /overview}: TaskManagers, slots, jobs by state. */
    public JsonNode overview() throws IOException {
        return get("/overview");
    }

    /** {@code /jobs/overview}: every job with its name, state and task counts. */
    public JsonNode jobsOverview() throws IOException {
        return get("/jobs/overview");
    }

    /** {@code /jobs/:id}: the job's state and each vertex's state. */
    public JsonNode job(String jobId) throws IOException {
        return get("/jobs/" + jobId);
    }

    /**
     * Whether the job and every subtask are RUNNING. The job's own state is not enough: a region failover
     * restarts tasks while the job stays RUNNING.
     */
    public boolean fullyRunning(String jobId) throws IOException {
        JsonNode job = job(jobId);
        if (!"RUNNING".equals(job.path("state").asText())) return false;
        for (JsonNode vertex : job.path("vertices")) {
            int running = vertex.path("tasks").path("RUNNING").asInt();
            if (running == 0 || running != vertex.path("parallelism").asInt()) return false;
        }
        return true;
    }
}
