package org.agentrouter.cli.ops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agentrouter.job.JobOptions;
import org.agentrouter.runtime.DemoData;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.cli.options.HumanDuration;
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Everything on one machine: a real Kafka broker (KRaft) in this process, the topics, demo memories",
            "published to agent-memories, the routing job on a Flink MiniCluster (UI on --ui-port, Prometheus on --prometheus-port),",
            "a stream of demo queries, and the decisions printed as they arrive. Ctrl-C, --duration or --max stops it,",
            "and it ends with a summary: decisions, cheap share, cost saved against all-strong, fallbacks, latency p50/p99."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--duration", converter = HumanDuration.class,
            description = "stop after this long: seconds (400) or 90s, 5m, 1h (default: until Ctrl-C)")
    Duration duration;

    @Option(names = "--max", paramLabel = "N", description = "stop after N decisions (default: no limit)")
    long maxDecisions = Long.MAX_VALUE;

    @Option(names = "--rate", description = "demo queries per second (default: ${DEFAULT-VALUE})")
    double rate = 2.0;

    @Option(names = "--kafka-port", description = "default: ${DEFAULT-VALUE}")
    int kafkaPort = 9092;

    @Option(names = "--ui-port", description = "Flink UI, 0 for none (default: ${DEFAULT-VALUE})")
    int uiPort = 8081;

    @Option(names = "--prometheus-port", description = "0 for none (default: ${DEFAULT-VALUE})")
    int prometheusPort = 9249;

    @Option(names = "--dir", description = "broker data, demo store and checkpoints (default: ${DEFAULT-VALUE})")
    Path dir = Path.of(".run/demo");

    @Override
    public Integer call() throws Exception {
        Path base = dir.toAbsolutePath();
        JobOptions options = new JobOptions();
        options.store = base.resolve("memory.db");
        // Embedded once and cached as a store; the job gets them through agent-memories (the --store seed).
        System.err.println("building the demo memories (first run only) ...");
        DemoData.ensureStore(options.store);

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(base.resolve("kafka"), kafkaPort)) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensure(bootstrap, 2, Duration.ofSeconds(30));
            JobClient job = LocalRouterJob.start(bootstrap, options, uiPort, prometheusPort, base);
            System.err.printf("Kafka %s | Flink UI %s | metrics %s | job %s%n", bootstrap, address(uiPort),
                    address(prometheusPort), job.getJobID());
            System.err.println("try: ./router produce --bootstrap " + bootstrap + "   and   ./router consume --bootstrap " + bootstrap);

            AtomicBoolean running = new AtomicBoolean(true);
            DemoSummary summary = new DemoSummary();
            long startedAt = System.currentTimeMillis();
            AtomicBoolean reported = new AtomicBoolean();
            Runnable report = () -> {
                if (reported.compareAndSet(false, true)) {
                    System.out.println(summary.render(System.currentTimeMillis() - startedAt));
                    System.out.flush();
                }
            };
            // Ctrl-C: the JVM does not wait for this thread's loop, so the hook prints the summary itself.
            Thread stopper = new Thread(() -> {
                running.set(false);
                report.run();
            }, "demo-summary");
            Runtime.getRuntime().addShutdownHook(stopper);
            Thread producer = new Thread(() -> produce(bootstrap, running), "demo-producer");
            producer.setDaemon(true);
            producer.start();
            long stopAt = duration == null ? Long.MAX_VALUE : startedAt + duration.toMillis();
            printDecisions(bootstrap, running, stopAt, summary, maxDecisions);
            running.set(false);
            report.run();
            job.cancel().get();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already on its way out
            }
        }
        return 0;
    }

    private void produce(String bootstrap, AtomicBoolean running) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        Random rnd = new Random();
        long intervalNanos = (long) (1e9 / rate);
        try (KafkaProducer<String, byte[]> out = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            long next = System.nanoTime();
            while (running.get()) {
                AgentQuery q = DemoData.query(rnd);
                out.send(new ProducerRecord<>(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q)));
                next += intervalNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String address(int port) {
        return port > 0 ? "http://localhost:" + port : "off";
    }

    private static void printDecisions(String bootstrap, AtomicBoolean running, long stopAt, DemoSummary summary, long max) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-printer-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        try (KafkaConsumer<byte[], byte[]> in = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            in.subscribe(List.of(Topics.ROUTING_DECISIONS));
            while (running.get() && System.currentTimeMillis() < stopAt && summary.decisions() < max) {
                for (ConsumerRecord<byte[], byte[]> r : in.poll(Duration.ofMillis(300))) {
                    if (summary.decisions() >= max) break;
                    try {
                        RoutingDecision d = AvroWire.DECISION.decode(r.value());
                        summary.add(d, System.currentTimeMillis());
                        System.out.println(line(d));
                    } catch (WireFormatException e) {
                        System.err.println("undecodable decision: " + e.getMessage());
                    }
                }
            }
        }
    }

    static String line(RoutingDecision d) {
        StringBuilder ctx = new StringBuilder();
        for (ContextItem c : d.getContext()) {
            if (ctx.length() > 0) ctx.append(',');
            ctx.append(c.getMemoryId());
        }
        return String.format("%-15s %-6s p_strong=%.2f set=%s cost=$%.5f (strong $%.5f) model=%s ctx=[%s]%s %dus",
                d.getNamespace(), d.getRoute(), d.getPStrong(), d.getPredictionSet(), d.getEstimatedCostUsd(),
                d.getStrongCostUsd(), d.getModelVersion(), ctx,
                d.getFallbackReason() == null ? "" : " note=" + d.getFallbackReason(), d.getProcessingLatencyUs());
    }
}
