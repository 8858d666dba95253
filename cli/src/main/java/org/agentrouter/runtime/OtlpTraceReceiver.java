package org.agentrouter.runtime;

import com.google.protobuf.CodedInputStream;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A small OTLP/HTTP trace receiver on 127.0.0.1 that keeps the spans it is sent in memory: the collector of the
 * embedded stack ({@code EmbeddedStack --traces}) and of the multi-process cluster tests, where the job's spans come
 * from other JVMs through the job's real OTLP exporter. Reads {@code ExportTraceServiceRequest} protobuf (gzip or
 * not) with protobuf's wire reader: the generated OTLP classes need a newer protobuf than the job's. Not a
 * collector for production: point the job at Jaeger, Tempo or an OpenTelemetry Collector there.
 */
public final class OtlpTraceReceiver implements AutoCloseable {
    /** One span as received: ids as lowercase hex, parent "" for a root, kind as OTLP numbers it (1 internal .. 5 consumer). */
    public record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name, int kind,
                               long startNanos, long endNanos, Map<String, Object> attributes, int statusCode) {
        public static final int INTERNAL = 1, SERVER = 2, CLIENT = 3, PRODUCER = 4, CONSUMER = 5;
        public static final int STATUS_ERROR = 2;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "otlp-trace-receiver");
        t.setDaemon(true);
        return t;
    });
    private final List<ReceivedSpan> spans = new ArrayList<>();
    private long requests;
    private long rejected;

    private OtlpTraceReceiver(HttpServer server) {
        this.server = server;
    }

    /** Listens on a free port of 127.0.0.1. */
    public static OtlpTraceReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        OtlpTraceReceiver receiver = new OtlpTraceReceiver(server);
        server.createContext("/v1/traces", receiver::handle);
        server.setExecutor(receiver.executor);
        server.start();
        return receiver;
    }

    /** The base URL for the job's {@code --otlp-endpoint} (http/protobuf). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    public synchronized List<ReceivedSpan> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /** Export requests received, and those refused as unreadable. */
    public synchronized String describe() {
        return requests + " export requests (" + rejected + " unreadable), " + spans.size() + " spans";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) body = new GZIPInputStream(body);
            List<ReceivedSpan> received;
            try {
                received = readRequest(CodedInputStream.newInstance(body.readAllBytes()));
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    requests++;
                    rejected++;
                }
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            synchronized (this) {
                requests++;
                spans.addAll(received);
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    // ---- the OTLP trace protobuf, the fields this receiver keeps (opentelemetry-proto, trace/v1 and common/v1) ----

    static List<ReceivedSpan> readRequest(CodedInputStream in) throws IOException {
        List<ReceivedSpan> out = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == 1) readResourceSpans(in.readBytes().newCodedInput(), out); // resource_spans
            else in.skipField(tag);
        }
        return out;
    }

    private static void readResourceSpans(CodedInputStream in, List<ReceivedSpan> out) throws IOException {
        String service = "";
        List<CodedInputStream> scopes = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> service = String.valueOf(readAttributes(in.readBytes().newCodedInput(), 1).getOrDefault("service.name", ""));
                case 2 -> scopes.add(in.readBytes().newCodedInput()); // scope_spans, read once the resource is known
                default -> in.skipField(tag);
            }
        }
        for (CodedInputStream scope : scopes) {
            for (int tag = scope.readTag(); tag != 0; tag = scope.readTag()) {
                if (tag >>> 3 == 2) out.add(readSpan(scope.readBytes().newCodedInput(), service));
                else scope.skipField(tag);
            }
        }
    }

    private static ReceivedSpan readSpan(CodedInputStream in, String service) throws IOException {
        HexFormat hex = HexFormat.of();
        String traceId = "", spanId = "", parent = "", name = "";
        int kind = 0, status = 0;
        long start = 0, end = 0;
        Map<String, Object> attributes = new HashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> traceId = hex.formatHex(in.readByteArray());
                case 2 -> spanId = hex.formatHex(in.readByteArray());
                case 4 -> parent = hex.formatHex(in.readByteArray());
                case 5 -> name = in.readString();
                case 6 -> kind = in.readEnum();
                case 7 -> start = in.readFixed64();
                case 8 -> end = in.readFixed64();
                case 9 -> attributes.putAll(readAttributes(in.readBytes().newCodedInput(), -1));
                case 15 -> status = readStatusCode(in.readBytes().newCodedInput());
                default -> in.skipField(tag);
            }
        }
        return new ReceivedSpan(service, traceId, spanId, parent, name, kind, start, end, attributes, status);
    }

    /** A KeyValue (field {@code field} of a Resource is a repeated KeyValue; -1: {@code in} is one KeyValue). */
    private static Map<String, Object> readAttributes(CodedInputStream in, int field) throws IOException {
        Map<String, Object> out = new HashMap<>();
        if (field < 0) {
            readKeyValue(in, out);
            return out;
        }
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == field) readKeyValue(in.readBytes().newCodedInput(), out);
            else in.skipField(tag);
        }
        return out;
    }

    private static void readKeyValue(CodedInputStream in, Map<String, Object> out) throws IOException {
        String key = null;
        Object value = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> key = in.readString();
                case 2 -> value = readAnyValue(in.readBytes().newCodedInput());
                default -> in.skipField(tag);
            }
        }
        if (key != null) out.put(key, value);
    }

    private static Object readAnyValue(CodedInputStream in) throws IOException {
        Object value = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> value = in.readString();
                case 2 -> value = in.readBool();
                case 3 -> value = in.readInt64();
                case 4 -> value = in.readDouble();
                default -> in.skipField(tag); // arrays, key-value lists and bytes: not used by the router's spans
            }
        }
        return value;
    }

    private static int readStatusCode(CodedInputStream in) throws IOException {
        int code = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == 3) code = in.readEnum();
            else in.skipField(tag);
        }
        return code;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
