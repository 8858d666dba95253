package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agentrouter.cli.RouterCli;
import org.agentrouter.client.PermanentRouterException;
import org.agentrouter.client.RouterClient;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.KafkaConnection;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.MemoryPublisher;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.runtime.RouterAcls;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Authenticated Kafka end to end: a real broker that wants SASL/SCRAM-SHA-256 on its client port and enforces
 * ACLs (KRaft StandardAuthorizer), with the ACLs of README "Authenticated Kafka" ({@link RouterAcls}) for three
 * principals, each with a properties file as a user would write it. The job runs as {@code router}
 * (exactly-once, so its transactional ids are covered too), the Java client as {@code agent} gets a real
 * decision, a producer without credentials or with a wrong password writes nothing, and router-models takes a
 * control record from {@code operator} (through the CLI) but not from {@code agent}. One scenario: the broker
 * and the job are the expensive part.
 */
class AuthenticatedKafkaEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String NS = "authenticated-e2e";

    @TempDir
    static Path dir;

    @Test
    void onlyAuthenticatedPrincipalsGetInAndEachOnlyWhereItsAclsAllow() throws Exception {
        Map<String, String> passwords = new HashMap<>();
        for (String user : List.of("admin", "router", "agent", "operator")) passwords.put(user, password());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0,
                new EmbeddedKafkaBroker.Scram("admin", passwords))) {
            String bootstrap = broker.bootstrapServers();
            Topics.ensure(broker.connection(), 2, Duration.ofSeconds(30));
            List<AclBinding> acls = new ArrayList<>(RouterAcls.job("User:router", "agent-router"));
            acls.addAll(RouterAcls.agent("User:agent"));
            acls.addAll(RouterAcls.operator("User:operator"));
            try (Admin admin = Admin.create(broker.connection().clientConfig())) {
                RouterAcls.apply(admin, acls, Duration.ofSeconds(30));
            }
            Path routerFile = broker.writeClientProperties("router", dir.resolve("router.properties"));
            Path agentFile = broker.writeClientProperties("agent", dir.resolve("agent.properties"));
            Path operatorFile = broker.writeClientProperties("operator", dir.resolve("operator.properties"));
            Path impostorFile = dir.resolve("impostor.properties");
            Files.writeString(impostorFile, Files.readString(agentFile).replace(passwords.get("agent"), "not-" + passwords.get("agent")));

            // The operator publishes memories (agent-memories: WRITE).
            Random rnd = new Random(5);
            MemoryPublisher.publishAll(KafkaConnection.of(bootstrap, operatorFile),
                    RandomMemoryStore.records(rnd, List.of(NS), 50, "authenticated-e2e"));

            // A job whose file holds a wrong password is refused before it starts, with the reason.
            JobOptions refused = new JobOptions();
            refused.kafkaProperties.file = impostorFile;
            IllegalStateException notAuthenticated = assertThrows(IllegalStateException.class,
                    () -> LocalRouterJob.preflight(bootstrap, refused));
            assertTrue(notAuthenticated.getMessage().contains("refused to authenticate"), notAuthenticated.getMessage());
            assertTrue(notAuthenticated.getMessage().contains(impostorFile.toString()), notAuthenticated.getMessage());
            assertFalse(notAuthenticated.getMessage().contains(passwords.get("agent")), "no secret in messages");

            JobOptions options = new JobOptions();
            options.kafkaProperties.file = routerFile;
            options.guarantee = "exactly-once";
            options.checkpointIntervalMs = 1000;
            JobClient job = LocalRouterJob.start(bootstrap, options, 0, 0, dir.resolve("job"));
            try {
                unauthenticatedProducersWriteNothing(broker, impostorFile);
                agentGetsADecision(bootstrap, agentFile, impostorFile, rnd);
                onlyTheOperatorWritesRouterModels(bootstrap, agentFile, operatorFile);
            } finally {
                job.cancel().get();
            }
        }
    }

    /** No credentials at all (PLAINTEXT on the SASL port), and a wrong password: refused, nothing on the topic. */
    private void unauthenticatedProducersWriteNothing(EmbeddedKafkaBroker broker, Path impostorFile) throws Exception {
        long before = endOffset(broker, Topics.AGENT_QUERIES);

        ExecutionException noCredentials = assertThrows(ExecutionException.class,
                () -> sendOne(KafkaConnection.plaintext(broker.bootstrapServers())));
        // The broker drops requests that skip the SASL handshake: to the client it looks like a silent broker.
        assertTrue(noCredentials.getCause() instanceof org.apache.kafka.common.errors.TimeoutException, String.valueOf(noCredentials.getCause()));

        ExecutionException wrongPassword = assertThrows(ExecutionException.class,
                () -> sendOne(KafkaConnection.of(broker.bootstrapServers(), impostorFile)));
        assertTrue(wrongPassword.getCause() instanceof SaslAuthenticationException, String.valueOf(wrongPassword.getCause()));
        assertTrue(wrongPassword.getCause().getMessage().contains("Authentication failed"), wrongPassword.getCause().getMessage());

        assertEquals(before, endOffset(broker, Topics.AGENT_QUERIES), "nothing written by unauthenticated producers");
    }

    private void agentGetsADecision(String bootstrap, Path agentFile, Path impostorFile, Random rnd) throws Exception {
        // An agent with a wrong password learns it when the client starts, not at its first deadline.
        PermanentRouterException refused = assertThrows(PermanentRouterException.class,
                () -> RouterClient.builder(bootstrap).kafkaProperties(load(impostorFile)).build().close());
        assertTrue(refused.getMessage().contains("Authentication failed"), refused.getMessage());

        try (RouterClient client = RouterClient.builder(bootstrap).kafkaProperties(load(agentFile))
                .deadline(Duration.ofSeconds(5)).build()) {
            List<Float> v = new ArrayList<>();
            for (float x : RandomMemoryStore.unitVector(rnd)) v.add(x);
            AgentQuery q = AgentQuery.newBuilder().setQueryId(UUID.randomUUID().toString()).setNamespace(NS).setUserId("u1")
                    .setText("How do I rotate the API keys of my service?").setEmbedding(v)
                    .setEventTimeMs(System.currentTimeMillis()).setContextK(3).build();
            // The first decision waits for the job to be ready (MiniLM, ONNX sessions, the first checkpoint).
            RoutingDecision d = client.route(q, Duration.ofSeconds(60)).get();
            assertEquals(q.getQueryId(), d.getQueryId());
            assertNotEquals(FallbackLevel.CLIENT_FALLBACK, d.getFallbackLevel(), d.getFallbackReason());
            assertFalse(d.getModelVersion().isEmpty());
            client.feedback(RouterClient.feedbackFor(d).setSuccess(true).build()).get(10, TimeUnit.SECONDS);
        }
    }

    /** router-models: the agent is refused (authorization), the operator's control reaches the job, which answers on model-events. */
    private void onlyTheOperatorWritesRouterModels(String bootstrap, Path agentFile, Path operatorFile) throws Exception {
        AtomicReference<Exception> agentFailure = new AtomicReference<>();
        int agentExit = cli(agentFailure, "rollback", "--bootstrap", bootstrap, "--kafka-properties", agentFile.toString(),
                "--reason", "an agent tries");
        assertEquals(1, agentExit);
        assertTrue(causedBy(agentFailure.get(), TopicAuthorizationException.class), String.valueOf(agentFailure.get()));

        AtomicReference<Exception> operatorFailure = new AtomicReference<>();
        int operatorExit = cli(operatorFailure, "rollback", "--bootstrap", bootstrap, "--kafka-properties", operatorFile.toString(),
                "--reason", "the operator asks");
        assertEquals(0, operatorExit, String.valueOf(operatorFailure.get()));

        // A fresh job serves its bundled release with nothing before it: the scorer refuses the rollback and says so.
        ModelEvent answer = awaitModelEvent(KafkaConnection.of(bootstrap, operatorFile),
                e -> e.getEvent().equals("refused") && "nothing to roll back to".equals(e.getRule()));
        assertNotNull(answer, "the job read the operator's control and answered on model-events");
    }

    private static int cli(AtomicReference<Exception> failure, String... args) {
        return new CommandLine(new RouterCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    failure.set(e);
                    return 1;
                })
                .execute(args);
    }

    private static ModelEvent awaitModelEvent(KafkaConnection operator, java.util.function.Predicate<ModelEvent> wanted) throws Exception {
        Properties p = operator.clientConfig();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, RouterAcls.MODELS_COMMAND_GROUP_PREFIX + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.MODEL_EVENTS));
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ModelEvent e = AvroWire.MODEL_EVENT.decode(r.value());
                    if (wanted.test(e)) return e;
                }
            }
        }
        return null;
    }

    private static void sendOne(KafkaConnection kafka) throws Exception {
        Properties p = kafka.clientConfig();
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "3000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, NS, new byte[] {1, 2, 3})).get();
        } catch (ExecutionException e) {
            throw e;
        } catch (org.apache.kafka.common.KafkaException e) {
            // max.block.ms (metadata) and authentication failures are thrown by send() itself: the same outcome.
            throw new ExecutionException(e);
        }
    }

    private static long endOffset(EmbeddedKafkaBroker broker, String topic) throws Exception {
        try (Admin admin = Admin.create(broker.connection().clientConfig())) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var info : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
                latest.put(new TopicPartition(topic, info.partition()), OffsetSpec.latest());
            }
            long sum = 0;
            for (var r : admin.listOffsets(latest).all().get().values()) sum += r.offset();
            return sum;
        }
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return p;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return true;
        }
        return false;
    }

    private static String password() {
        SecureRandom r = new SecureRandom();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 20; i++) s.append((char) ('a' + r.nextInt(26)));
        return s.toString();
    }
}
