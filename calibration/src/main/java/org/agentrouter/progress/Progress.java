package org.agentrouter.progress;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of a long command (calibrate, eval, train, memory import, bench retrieval). On a terminal, a bar
 * (me.tongfei progressbar) redrawn in place; anywhere else (a file, a pipe, a CI log, {@code TERM=dumb},
 * {@code CI=true}) a redrawn bar would be one endless line of carriage returns, so it prints a plain line at most
 * every {@link #PLAIN_EVERY}, and one when done:
 * {@code routing held-out questions: 3,400 / 11,645 questions (29%), 2m10s elapsed, ~5m15s left}.
 * {@code ROUTER_PROGRESS=plain} asks for the plain lines on a terminal too, {@code ROUTER_PROGRESS=none} for nothing.
 *
 * <p>Thread-safe: a Kafka producer's callback thread may step it while the caller's thread sends.
 */
public final class Progress implements AutoCloseable {
    public static final Duration PLAIN_EVERY = Duration.ofSeconds(5);

    private final ProgressBar bar;
    private final String task;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final LongSupplier nanoClock;
    private final long everyNanos;
    private final long startNanos;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong nextLineNanos;
    private volatile String extra;
    private boolean closed;

    private Progress(ProgressBar bar, String task, long total, String unit, PrintStream out, Duration every, LongSupplier nanoClock) {
        this.bar = bar;
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.nanoClock = nanoClock;
        this.everyNanos = every.toNanos();
        this.startNanos = nanoClock.getAsLong();
        this.nextLineNanos = new AtomicLong(startNanos + everyNanos);
    }

    /**
     * A bar on a terminal, plain lines on standard error elsewhere.
     *
     * @param total steps to do, 0 or less when unknown
     * @param unit what a step is, plural ("questions", "rows")
     */
    public static Progress start(String task, long total, String unit) {
        String mode = System.getenv().getOrDefault("ROUTER_PROGRESS", "");
        if (mode.equalsIgnoreCase("none")) return plain(task, total, unit, null, PLAIN_EVERY, System::nanoTime);
        if (!mode.equalsIgnoreCase("plain") && interactive(System.getenv(), System.console() != null, stderrTarget())) {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total > 0 ? total : -1)
                    .setUnit(" " + unit, 1).continuousUpdate().build();
            return new Progress(bar, task, total, unit, null, PLAIN_EVERY, System::nanoTime);
        }
        return plain(task, total, unit, System.err, PLAIN_EVERY, System::nanoTime);
    }

    /** Plain lines to {@code out} (nothing when null) at most every {@code every} of {@code nanoClock}'s time. */
    public static Progress plain(String task, long total, String unit, PrintStream out, Duration every, LongSupplier nanoClock) {
        return new Progress(null, task, total, unit, out, every, nanoClock);
    }

    /**
     * Whether a redrawn bar reads well: a console, a terminal that can move the cursor, not a CI run, and standard
     * error (where the bar goes) itself a terminal when the system can tell ({@code /proc/self/fd/2}).
     */
    static boolean interactive(Map<String, String> env, boolean console, String stderrTarget) {
        if (!console) return false;
        if ("dumb".equalsIgnoreCase(env.getOrDefault("TERM", ""))) return false;
        String ci = env.getOrDefault("CI", "");
        if (!ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0")) return false;
        return stderrTarget == null || stderrTarget.startsWith("/dev/pts/") || stderrTarget.startsWith("/dev/tty");
    }

    private static String stderrTarget() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
        } catch (Exception | Error notLinux) {
            return null;
        }
    }

    public void step() {
        stepBy(1);
    }

    public void stepBy(long n) {
        if (bar != null) {
            bar.stepBy(n);
        } else {
            done.addAndGet(n);
            maybePrint();
        }
    }

    /** Sets the count of steps done (for work that reports how far it is rather than each step). */
    public void stepTo(long n) {
        if (bar != null) {
            bar.stepTo(n);
        } else {
            done.set(n);
            maybePrint();
        }
    }

    /** A short note after the count (a training loss, a phase); shown from the next line or redraw on. */
    public void setExtraMessage(String message) {
        extra = message;
        if (bar != null) bar.setExtraMessage(message);
    }

    private void maybePrint() {
        if (out == null) return;
        long now = nanoClock.getAsLong();
        long next = nextLineNanos.get();
        // One thread wins each interval; the others go on without printing.
        if (now - next >= 0 && nextLineNanos.compareAndSet(next, now + everyNanos)) {
            print(line(now));
        }
    }

    private synchronized void print(String line) {
        if (!closed) out.println(line);
    }

    /** The plain line as of {@code nowNanos}. */
    String line(long nowNanos) {
        long n = done.get();
        long elapsed = nowNanos - startNanos;
        StringBuilder s = new StringBuilder(task).append(": ");
        s.append(String.format(Locale.ROOT, "%,d", n));
        if (total > 0) {
            s.append(String.format(Locale.ROOT, " / %,d %s (%d%%)", total, unit, Math.min(100, n * 100 / total)));
        } else {
            s.append(' ').append(unit);
        }
        s.append(", ").append(duration(elapsed)).append(" elapsed");
        if (total > 0 && n > 0 && n < total) {
            s.append(", ~").append(duration((long) ((double) elapsed / n * (total - n)))).append(" left");
        }
        String note = extra;
        if (note != null && !note.isBlank()) s.append(", ").append(note.replaceAll("\\s+", " ").strip());
        return s.toString();
    }

    /** 45s, 2m10s, 1h02m: what people read in a log at a glance. */
    static String duration(long nanos) {
        long seconds = Math.max(0, Math.round(nanos / 1e9));
        if (seconds < 60) return seconds + "s";
        if (seconds < 3600) return seconds / 60 + "m" + String.format(Locale.ROOT, "%02ds", seconds % 60);
        return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02dm", seconds % 3600 / 60);
    }

    /** Ends the bar, or prints the final plain line. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            return;
        }
        synchronized (this) {
            if (closed) return;
            if (out != null) out.println(line(nanoClock.getAsLong()));
            closed = true;
        }
    }
}
