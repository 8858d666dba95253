package org.agentrouter.client;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.agentrouter.runtime.EmbeddedStack;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;

/**
 * Round-trip latency of RouterClient.route() against the embedded stack, open loop (calls start on
 * schedule whether or not earlier ones returned, so queueing shows in the tail). Not a test: run with
 * {@code java -cp ... org.agentrouter.client.RouteLatencyBenchmark [seconds-per-rate]}.
 */
public final class RouteLatencyBenchmark {
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        try (EmbeddedStack stack = EmbeddedStack.start(Files.createTempDirectory("route-bench"));
             RouterClient client = RouterClient.builder(stack.bootstrap()).deadline(Duration.ofSeconds(5)).build()) {
            Random rnd = new Random(1);
            client.route(query(rnd), Duration.ofSeconds(60)).get(); // waits for the job to be ready
            run(client, rnd, 20, 5, "warm-up");
            for (int rate : new int[] {20, 100, 1000}) run(client, rnd, rate, seconds, "measured");
        }
        System.exit(0);
    }

    private static void run(RouterClient client, Random rnd, int perSecond, int seconds, String label) throws Exception {
        Histogram micros = new ConcurrentHistogram(3);
        // Query event time to the job's decision time: how much of the round trip is spent before the sink.
        Histogram untilDecidedMs = new ConcurrentHistogram(3);
        AtomicInteger fallbacks = new AtomicInteger();
        List<CompletableFuture<?>> calls = new ArrayList<>();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long start = System.nanoTime();
        for (int i = 0; i < perSecond * seconds; i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            AgentQuery q = query(rnd);
            long sent = System.nanoTime();
            calls.add(client.route(q).thenAccept(d -> {
                micros.recordValue((System.nanoTime() - sent) / 1000);
                if (d.getFallbackLevel() == FallbackLevel.CLIENT_FALLBACK) fallbacks.incrementAndGet();
                else untilDecidedMs.recordValue(Math.max(0, d.getDecidedAtMs() - d.getEventTimeMs()));
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();
        System.out.printf("java %s %d/s x %d s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms client-fallbacks=%d"
                        + " (query to job decision: p50=%d ms p99=%d ms)%n",
                label, perSecond, seconds, micros.getTotalCount(), micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0, fallbacks.get(),
                untilDecidedMs.getValueAtPercentile(50), untilDecidedMs.getValueAtPercentile(99));
    }

    private static AgentQuery query(Random rnd) {
        List<Float> v = new ArrayList<>();
        for (float x : EmbeddedStack.randomUnitVector(rnd)) v.add(x);
        return AgentQuery.newBuilder().setQueryId(UUID.randomUUID().toString()).setNamespace(EmbeddedStack.NAMESPACE)
                .setUserId("bench").setText("How do I rotate the API keys of service " + rnd.nextInt(50) + "?")
                .setEmbedding(v).setEventTimeMs(System.currentTimeMillis()).setContextK(3).build();
    }
}
