package org.agentrouter.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a run with a baseline on the median (p50) of each benchmark. A benchmark is a regression
 * when its p50 grew by more than {@code maxSlowdown} (0.10 = 10%) and by more than {@code minDelta}
 * in absolute terms: sample-time percentiles are read with System.nanoTime, whose granularity
 * (tens of nanoseconds) would otherwise make a 20 ns benchmark "regress" on timer noise.
 */
public final class MicroComparison {
    public enum Status { OK, SLOWER, FASTER, NEW, MISSING }

    /** One benchmark's verdict; baseline or current is NaN when the benchmark is absent from that side. */
    public record Verdict(String key, String unit, double baselineP50, double currentP50, Status status,
                          Double baselineBytesPerOp, Double currentBytesPerOp) {
        /** current / baseline, NaN when either is absent. */
        public double ratio() {
            return currentP50 / baselineP50;
        }
    }

    private MicroComparison() {}

    /**
     * @param minDelta smallest absolute p50 increase that counts, in the benchmarks' own unit
     * @throws IllegalArgumentException when a benchmark is measured in different units on the two sides
     */
    public static List<Verdict> compare(MicroResults baseline, MicroResults current, double maxSlowdown,
                                        double minDelta) {
        Map<String, MicroResults.Benchmark> before = byKey(baseline);
        Map<String, MicroResults.Benchmark> after = byKey(current);
        List<Verdict> verdicts = new ArrayList<>();
        for (MicroResults.Benchmark now : after.values()) {
            MicroResults.Benchmark then = before.get(now.key());
            if (then == null) {
                verdicts.add(new Verdict(now.key(), now.unit(), Double.NaN, now.p50(), Status.NEW, null, now.bytesPerOp()));
                continue;
            }
            if (!then.unit().equals(now.unit())) {
                throw new IllegalArgumentException(now.key() + " is in " + now.unit() + " but the baseline has "
                        + then.unit());
            }
            double delta = now.p50() - then.p50();
            Status status;
            if (delta > then.p50() * maxSlowdown && delta > minDelta) {
                status = Status.SLOWER;
            } else if (-delta > then.p50() * maxSlowdown && -delta > minDelta) {
                status = Status.FASTER;
            } else {
                status = Status.OK;
            }
            verdicts.add(new Verdict(now.key(), now.unit(), then.p50(), now.p50(), status, then.bytesPerOp(),
                    now.bytesPerOp()));
        }
        for (MicroResults.Benchmark then : before.values()) {
            if (!after.containsKey(then.key())) {
                verdicts.add(new Verdict(then.key(), then.unit(), then.p50(), Double.NaN, Status.MISSING,
                        then.bytesPerOp(), null));
            }
        }
        return verdicts;
    }

    public static boolean anyRegression(List<Verdict> verdicts) {
        return verdicts.stream().anyMatch(v -> v.status() == Status.SLOWER);
    }

    /** A fixed-width table of the verdicts, one line per benchmark. */
    public static String table(List<Verdict> verdicts) {
        StringBuilder b = new StringBuilder();
        int width = Math.max(9, verdicts.stream().mapToInt(v -> v.key().length()).max().orElse(0));
        b.append(String.format("%-" + width + "s  %12s  %12s  %8s  %12s  %12s  %s%n", "benchmark", "baseline p50",
                "p50", "change", "base B/op", "B/op", "verdict"));
        for (Verdict v : verdicts) {
            String unit = v.unit() == null ? "" : v.unit().replace("/op", "");
            b.append(String.format("%-" + width + "s  %12s  %12s  %8s  %12s  %12s  %s%n", v.key(),
                    number(v.baselineP50(), unit), number(v.currentP50(), unit),
                    Double.isNaN(v.ratio()) ? "" : String.format("%+.1f%%", (v.ratio() - 1) * 100),
                    bytes(v.baselineBytesPerOp()), bytes(v.currentBytesPerOp()), v.status()));
        }
        return b.toString();
    }

    private static String number(double value, String unit) {
        return Double.isNaN(value) ? "-" : String.format("%.3f %s", value, unit);
    }

    private static String bytes(Double value) {
        return value == null ? "-" : String.format("%.0f", value);
    }

    private static Map<String, MicroResults.Benchmark> byKey(MicroResults results) {
        Map<String, MicroResults.Benchmark> out = new LinkedHashMap<>();
        for (MicroResults.Benchmark b : results.benchmarks()) {
            if (out.put(b.key(), b) != null) {
                throw new IllegalArgumentException("benchmark " + b.key() + " appears twice in one results file");
            }
        }
        return out;
    }
}
