package org.agentrouter.agentdb;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an import did, per namespace and kind: new, updated, unchanged and rejected rows (with reasons), and
 * memories retired because their rows are gone from the file.
 */
public final class AgentDbImportSummary {
    private static final int MAX_REJECTIONS_SHOWN = 20;

    /** Counts of one namespace and kind. */
    public static final class Counts {
        public long added;
        public long updated;
        public long unchanged;
        public long rejected;
        /** Memories of earlier imports of this file whose rows are no longer in it: deleted from the target. */
        public long retired;
    }

    /** A row that did not become a memory. */
    public record Rejection(String namespace, String kind, String where, String reason) {}

    private final Map<String, Map<String, Counts>> counts = new TreeMap<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private final String from;
    private final String to;

    AgentDbImportSummary(String from, String to) {
        this.from = from;
        this.to = to;
    }

    Counts counts(String namespace, String kind) {
        return counts.computeIfAbsent(namespace, ns -> new TreeMap<>()).computeIfAbsent(kind, k -> new Counts());
    }

    void reject(Rejection r) {
        counts(r.namespace(), r.kind()).rejected++;
        rejections.add(r);
    }

    /** namespace -> kind -> counts, both sorted by name. */
    public Map<String, Map<String, Counts>> byNamespaceAndKind() {
        return counts;
    }

    public List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    public long totalAdded() {
        return total(c -> c.added);
    }

    public long totalUpdated() {
        return total(c -> c.updated);
    }

    public long totalUnchanged() {
        return total(c -> c.unchanged);
    }

    public long totalRejected() {
        return total(c -> c.rejected);
    }

    public long totalRetired() {
        return total(c -> c.retired);
    }

    private long total(java.util.function.ToLongFunction<Counts> f) {
        return counts.values().stream().flatMap(m -> m.values().stream()).mapToLong(f).sum();
    }

    public void print(PrintStream out) {
        out.printf("imported AgentDB %s into %s%n", from, to);
        out.printf("%-30s %-8s %8s %8s %10s %9s %8s%n", "namespace", "kind", "new", "updated", "unchanged", "rejected",
                "retired");
        counts.forEach((ns, kinds) -> kinds.forEach((kind, c) -> out.printf("%-30s %-8s %8d %8d %10d %9d %8d%n",
                ns, kind, c.added, c.updated, c.unchanged, c.rejected, c.retired)));
        out.printf("%-39s %8d %8d %10d %9d %8d%n", "total", totalAdded(), totalUpdated(), totalUnchanged(), totalRejected(),
                totalRetired());
        if (totalRetired() > 0) {
            out.printf("retired %d memories whose rows are gone from %s%n", totalRetired(), from);
        }
        if (!rejections.isEmpty()) {
            out.println("rejected rows (not imported):");
            rejections.stream().limit(MAX_REJECTIONS_SHOWN).forEach(r ->
                    out.printf("  %s (%s/%s): %s%n", r.where(), r.namespace(), r.kind(), r.reason()));
            if (rejections.size() > MAX_REJECTIONS_SHOWN) {
                out.printf("  ... and %d more%n", rejections.size() - MAX_REJECTIONS_SHOWN);
            }
        }
    }
}
