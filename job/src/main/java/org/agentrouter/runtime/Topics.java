package org.agentrouter.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's Kafka topics, and the two ways a run gets them: {@link #ensure} creates what is missing
 * (local demo, tests), {@link #requireExisting} refuses to start against a cluster that lacks them.
 *
 * <p>Every call is bounded by its timeout: an absent broker produces a clear error, never a hang.
 */
public final class Topics {

    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

    public static final String AGENT_QUERIES = "agent-queries";
    public static final String ROUTING_DECISIONS = "routing-decisions";
    public static final String ROUTING_METRICS = "routing-metrics";
    public static final String ROUTER_MODELS = "router-models";
    public static final String AGENT_QUERIES_DLQ = "agent-queries-dlq";
    public static final String ROUTING_FEEDBACK = "routing-feedback";
    public static final String MODEL_EVENTS = "model-events";
    public static final String ROUTER_HEALTH = "router-health";
    public static final String AGENT_MEMORIES = "agent-memories";

    public static final List<String> ALL = List.of(AGENT_QUERIES, ROUTING_DECISIONS, ROUTING_METRICS,
            ROUTER_MODELS, AGENT_QUERIES_DLQ, ROUTING_FEEDBACK, MODEL_EVENTS, ROUTER_HEALTH, AGENT_MEMORIES);

    /** Latest value per key is all that matters: the current model, the current memory of an agent. */
    public static final Set<String> COMPACTED = Set.of(ROUTER_MODELS, AGENT_MEMORIES);

    /**
     * delete.retention.ms of agent-memories: Kafka's own default, set explicitly because the job's delete
     * markers (RouterConfig.deleteMarkerRetentionMs) are kept as long. Compaction can leave an older copy of
     * a memory in the uncompacted head, or a writer can still have one in flight, for about that long after
     * the memory was deleted; a marker that outlives it makes that copy lose.
     */
    public static final long AGENT_MEMORIES_DELETE_RETENTION_MS = 86_400_000L;

    /**
     * Every call is awaited before the admin client closes, so whatever is still pending belongs to a call
     * that already failed: drop it at once instead of letting close() stretch the caller's timeout.
     */
    private static final Duration CLOSE_TIMEOUT = Duration.ZERO;

    private Topics() {
    }

    /**
     * Creates whichever of {@link #ALL} do not exist yet, and waits until they are visible.
     * {@code router-models} always gets one partition: it is broadcast to every routing task, and one
     * partition keeps model versions in a single total order.
     */
    public static void ensure(String bootstrap, int partitions, Duration timeout) {
        ensure(KafkaConnection.plaintext(bootstrap), partitions, timeout);
    }

    /** {@link #ensure(String, int, Duration)} with the connection's client settings (the principal needs CREATE on the cluster). */
    public static void ensure(KafkaConnection kafka, int partitions, Duration timeout) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        String bootstrap = kafka.bootstrap();
        Deadline deadline = new Deadline(timeout, kafka);
        Admin admin = open(kafka, deadline);
        try {
            awaitBroker(admin, kafka, deadline);
            Set<String> missing = missing(admin, ALL, bootstrap, deadline);
            if (missing.isEmpty()) {
                return;
            }
            List<NewTopic> newTopics = new ArrayList<>();
            for (String name : missing) {
                newTopics.add(newTopic(name, partitions));
            }
            Map<String, KafkaFuture<Void>> results = admin.createTopics(newTopics).values();
            for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
                try {
                    deadline.await(result.getValue(), bootstrap);
                } catch (ExecutionException e) {
                    // Another process (a second job, a test) created it between our check and our create.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create Kafka topic " + result.getKey()
                                + " at " + bootstrap + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            awaitVisible(admin, missing, bootstrap, deadline);
            awaitLeaders(admin, newTopics, bootstrap, deadline);
            LOG.info("created Kafka topics {} at {}", missing, bootstrap);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    /**
     * Fails with an {@link IllegalStateException} that names the missing topics and the bootstrap
     * servers, or says that no broker answered within {@code timeout}.
     */
    public static void requireExisting(String bootstrap, Collection<String> names, Duration timeout) {
        requireExisting(KafkaConnection.plaintext(bootstrap), names, timeout);
    }

    public static void requireExisting(KafkaConnection kafka, Collection<String> names, Duration timeout) {
        String bootstrap = kafka.bootstrap();
        Deadline deadline = new Deadline(timeout, kafka);
        Admin admin = open(kafka, deadline);
        try {
            awaitBroker(admin, kafka, deadline);
            Set<String> missing = missing(admin, names, bootstrap, deadline);
            if (!missing.isEmpty()) {
                // A principal sees only the topics it may describe (READ or WRITE imply DESCRIBE).
                throw new IllegalStateException("missing Kafka topics " + missing + " at " + bootstrap
                        + (kafka.isPlaintext() ? "" : " (or not visible to this principal: it needs an ACL on each, README \"Authenticated Kafka\")")
                        + "; create them first (the local demo does this itself)");
            }
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    /** Waits until a broker at {@code bootstrap} answers and reports at least one live broker. */
    public static void awaitBroker(String bootstrap, Duration timeout) {
        awaitBroker(KafkaConnection.plaintext(bootstrap), timeout);
    }

    /**
     * Also fails at once, naming the settings' source, when the broker refuses the credentials or the protocol:
     * retrying cannot fix that.
     */
    public static void awaitBroker(KafkaConnection kafka, Duration timeout) {
        Deadline deadline = new Deadline(timeout, kafka);
        Admin admin = open(kafka, deadline);
        try {
            awaitBroker(admin, kafka, deadline);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    private static void awaitBroker(Admin admin, KafkaConnection kafka, Deadline deadline) {
        String bootstrap = kafka.bootstrap();
        while (true) {
            DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs(deadline.remainingMs());
            try {
                Collection<Node> nodes = deadline.await(admin.describeCluster(options).nodes(), bootstrap);
                // A broker that answers before it registered with its controller reports no nodes;
                // topic creation would then fail for lack of a replica.
                if (!nodes.isEmpty()) {
                    return;
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthenticationException) {
                    throw new IllegalStateException("Kafka at " + bootstrap + " refused to authenticate this client ("
                            + kafka.describeSource() + "): " + e.getCause().getMessage(), e.getCause());
                }
                // Timeouts and disconnects are retried by the admin client itself until the deadline;
                // what reaches us is final unless time is left.
                if (deadline.expired()) {
                    throw deadline.unreachable(bootstrap, e.getCause());
                }
            }
            deadline.pause(100);
        }
    }

    private static Set<String> missing(Admin admin, Collection<String> names, String bootstrap, Deadline deadline) {
        ListTopicsOptions options = new ListTopicsOptions().timeoutMs(deadline.remainingMs());
        try {
            Set<String> existing = deadline.await(admin.listTopics(options).names(), bootstrap);
            Set<String> missing = new TreeSet<>(names);
            missing.removeAll(existing);
            return missing;
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not list Kafka topics at " + bootstrap + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** A created topic reaches the broker's metadata a moment after the controller commits it. */
    private static void awaitVisible(Admin admin, Set<String> names, String bootstrap, Deadline deadline) {
        while (!missing(admin, names, bootstrap, deadline).isEmpty()) {
            if (deadline.expired()) {
                throw new IllegalStateException("Kafka topics " + names + " created at " + bootstrap
                        + " but not visible within " + deadline.timeoutText());
            }
            deadline.pause(50);
        }
    }

    /**
     * A topic can be listed before its partitions' leader serves them: a producer writing at once gets
     * NOT_LEADER_OR_FOLLOWER, and we saw one such producer never recover (its batch expired after the
     * 120 s delivery timeout). ListOffsets is answered by the partition leader only, so once every new
     * partition answers it, writes go through on the first try.
     */
    private static void awaitLeaders(Admin admin, List<NewTopic> topics, String bootstrap, Deadline deadline) {
        Map<TopicPartition, OffsetSpec> pending = new HashMap<>();
        for (NewTopic t : topics) {
            for (int p = 0; p < t.numPartitions(); p++) {
                pending.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
            }
        }
        Throwable last = null;
        while (!pending.isEmpty()) {
            var results = admin.listOffsets(pending, new ListOffsetsOptions().timeoutMs(deadline.remainingMs()));
            for (TopicPartition tp : new ArrayList<>(pending.keySet())) {
                try {
                    deadline.await(results.partitionResult(tp), bootstrap);
                    pending.remove(tp);
                } catch (ExecutionException e) {
                    last = e.getCause();
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (deadline.expired()) {
                throw new IllegalStateException("Kafka partitions " + new TreeSet<>(pending.keySet().stream()
                        .map(TopicPartition::toString).toList()) + " at " + bootstrap + " have no serving leader within "
                        + deadline.timeoutText() + (last == null ? "" : ": " + last.getMessage()), last);
            }
            deadline.pause(50);
        }
    }

    private static NewTopic newTopic(String name, int partitions) {
        int count = ROUTER_MODELS.equals(name) ? 1 : partitions;
        // Replication factor left to the broker default: 1 on the embedded broker, the cluster's choice elsewhere.
        NewTopic topic = new NewTopic(name, Optional.of(count), Optional.empty());
        if (AGENT_MEMORIES.equals(name)) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(AGENT_MEMORIES_DELETE_RETENTION_MS)));
        } else if (COMPACTED.contains(name)) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        return topic;
    }

    private static Admin open(KafkaConnection kafka, Deadline deadline) {
        try {
            return Admin.create(adminConfig(kafka, deadline.remainingMs()));
        } catch (KafkaException e) {
            // Kafka 4 retries DNS resolution of the bootstrap servers inside create(), up to the API timeout.
            throw deadline.unreachable(kafka.bootstrap(), e);
        }
    }

    private static Properties adminConfig(KafkaConnection kafka, int timeoutMs) {
        Properties p = kafka.clientConfig();
        p.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "agent-router-topics");
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMs));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMs));
        // A broker that is still starting refuses connections: retry quickly so we notice it is up.
        p.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.setProperty(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.setProperty(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
        return p;
    }

    /** One time budget shared by every step of a call, so the steps together stay within the timeout. */
    private static final class Deadline {
        private final Duration timeout;
        private final long endNanos;
        /** A broker that wants TLS or SASL drops a PLAINTEXT client's requests: to that client it looks silent. */
        private final boolean plaintext;

        Deadline(Duration timeout, KafkaConnection kafka) {
            this.timeout = timeout;
            this.endNanos = System.nanoTime() + timeout.toNanos();
            this.plaintext = kafka.isPlaintext();
        }

        int remainingMs() {
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                    TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime())));
        }

        boolean expired() {
            return System.nanoTime() - endNanos >= 0;
        }

        <T> T await(KafkaFuture<T> future, String bootstrap) throws ExecutionException {
            try {
                return future.get(remainingMs(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw unreachable(bootstrap, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while talking to Kafka at " + bootstrap, e);
            }
        }

        void pause(long millis) {
            try {
                Thread.sleep(Math.min(millis, remainingMs()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
        }

        IllegalStateException unreachable(String bootstrap, Throwable cause) {
            String message = "no Kafka broker answered at " + bootstrap + " within " + timeoutText();
            if (cause instanceof ConfigException || cause.getCause() instanceof ConfigException) {
                // Typically "No resolvable bootstrap urls": say so rather than blame a silent broker.
                message += " (" + (cause.getCause() != null ? cause.getCause() : cause).getMessage() + ")";
            } else if (plaintext) {
                message += " (a broker that requires TLS or SASL looks the same: then pass --kafka-properties)";
            }
            return new IllegalStateException(message, cause);
        }

        String timeoutText() {
            long millis = timeout.toMillis();
            return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
        }
    }
}
