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

    /**
     * Stops the job with a savepoint (POST /jobs/:id/stop) and waits for it: sources stop, the savepoint is
     * taken, then every task finishes, so no Kafka transaction is left open (unlike cancel) and a job started
     * from the savepoint resumes exactly where this one stopped. Returns the savepoint's location.
     *
     * @param targetDirectory where to write it; null for the cluster's execution.checkpointing.savepoint-dir
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode body = JSON.createObjectNode().put("drain", false);
        if (targetDirectory != null) body.put("targetDirectory", targetDirectory);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/jobs/" + jobId + "/stop"))
                .timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        String trigger;
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("stop " + jobId + " at " + address + ": HTTP " + response.statusCode() + " " + response.body());
            }
            trigger = JSON.readTree(response.body()).path("request-id").asText();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping " + jobId, e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if ("COMPLETED".equals(status.path("status").path("id").asText())) {
                JsonNode operation = status.path("operation");
                if (operation.has("location")) return operation.path("location").asText();
                throw new IOException("stop-with-savepoint of " + jobId + " failed: "
                        + operation.path("failure-cause").path("stack-trace").asText(operation.toString()).lines().findFirst().orElse(""));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("stop-with-savepoint of " + jobId + " did not complete within " + timeout.toSeconds()
                        + " s (trigger " + trigger + "); the job may still be stopping: see ./router cluster status");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the savepoint of " + jobId, e);
            }
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

    /**
     * Flink's own count of the job's restarts. Job metrics reach the REST handlers through a fetcher that starts on
     * the first request, so the first answers may be empty: this asks again for up to {@code patience}.
     */
    public long numRestarts(String jobId, java.time.Duration patience) throws IOException {
        long deadline = System.currentTimeMillis() + patience.toMillis();
        JsonNode metrics = null;
        while (System.currentTimeMillis() < deadline) {
            metrics = get("/jobs/" + jobId + "/metrics?get=numRestarts");
            if (metrics.size() == 1) return metrics.get(0).path("value").asLong();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("numRestarts of job " + jobId + " not reported: " + metrics);
    }

    /** The id of the running job named {@code name}, or null. */
    public String runningJob(String name) throws IOException {
        for (JsonNode j : jobsOverview().path("jobs")) {
            if (name.equals(j.path("name").asText()) && "RUNNING".equals(j.path("state").asText())) return j.path("jid").asText();
        }
        return null;
    }
}
