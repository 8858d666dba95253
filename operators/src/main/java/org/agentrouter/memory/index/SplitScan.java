package org.agentrouter.memory.index;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentrouter.memory.index.RowScan.Pass;

/**
 * A pass over a large namespace split into contiguous ranges, one per scan thread (the calling thread takes the
 * first): the same shortlist (or coarse rows) as one thread, at up to {@code threads} times the cores for one
 * query. It trades throughput headroom for latency, so it pays only where a core is idle (BENCHMARKS.md, "Scan
 * threads"). The pool belongs to the index and ends with {@link #close()}; its threads are daemons.
 */
final class SplitScan implements AutoCloseable {
    private final RowScan rows;
    private final int scanThreads;
    /** scanThreads - 1 workers, started by the first split scan; parts[0] is the calling thread's. */
    private ExecutorService scanPool;
    private ScanPart[] parts;
    private Future<?>[] pending;

    SplitScan(RowScan rows, int scanThreads) {
        this.rows = rows;
        this.scanThreads = scanThreads;
    }

    /**
     * The first pass over {@code scanThreads} contiguous ranges. Each range keeps its own best {@code limit}
     * rows; the calling thread scans the first into {@code heap} and then offers the others' rows in range
     * order. A row of the overall best {@code limit} is among its own range's best, so the merged shortlist is
     * the one a single pass keeps (ties at the boundary aside, which a single pass breaks by row order too).
     */
    void firstPass(Pass pass, byte[] codes, float[] scale, int size, ShortlistHeap heap, int[] blockDots) {
        run(pass, codes, scale, 0, size, heap.limit(), heap, null, blockDots);
        for (int i = 1; i < scanThreads; i++) {
            ShortlistHeap h = parts[i].heap;
            for (int j = 0; j < h.size(); j++) {
                heap.offer(h.score(j), h.row(j));
            }
            parts[i].release();
        }
    }

    /** The 2-bit pass: the rows whose dot reaches {@code threshold}, in row order, into {@code passing}. */
    void coarse(byte[] coarseCodes, int size, int threshold, PassingRows passing, int[] blockDots) {
        run(Pass.INT2, coarseCodes, null, 0, size, threshold, null, passing, blockDots);
        for (int i = 1; i < scanThreads; i++) {
            passing.addAll(parts[i].passing);
            parts[i].release();
        }
    }

    /**
     * Runs a pass over rows [start, size) in {@code scanThreads} contiguous ranges of whole 256-row blocks: the
     * calling thread takes the first (into {@code heap}, or {@code coarsePassing} for the 2-bit pass) and
     * waits for the others, whose shortlists (or passing rows) stay in {@link #parts}. {@code limit} is the
     * shortlist's length, or the 2-bit pass's threshold.
     */
    private void run(Pass pass, byte[] codes, float[] scale, int start, int size, int limit, ShortlistHeap heap,
                     PassingRows coarsePassing, int[] blockDots) {
        if (scanPool == null) {
            AtomicInteger n = new AtomicInteger();
            scanPool = Executors.newFixedThreadPool(scanThreads - 1, r -> {
                Thread t = new Thread(r, "memory-scan-" + n.incrementAndGet());
                t.setDaemon(true); // never keeps a TaskManager alive if close() is skipped
                return t;
            });
            parts = new ScanPart[scanThreads];
            pending = new Future<?>[scanThreads];
            for (int i = 1; i < scanThreads; i++) parts[i] = new ScanPart(blockDots.length);
        }
        // Ranges in whole 256-row blocks (the split itself needs no alignment; this keeps the ranges readable).
        int blocks = (size - start + LiveMemoryIndex.SCAN_BLOCK_ROWS - 1) / LiveMemoryIndex.SCAN_BLOCK_ROWS;
        for (int i = 1; i < scanThreads; i++) {
            int from = Math.min(size, start + (int) ((long) blocks * i / scanThreads) * LiveMemoryIndex.SCAN_BLOCK_ROWS);
            int to = Math.min(size, start + (int) ((long) blocks * (i + 1) / scanThreads) * LiveMemoryIndex.SCAN_BLOCK_ROWS);
            parts[i].set(pass, codes, scale, from, to, limit);
            pending[i] = scanPool.submit(parts[i]);
        }
        int firstEnd = Math.min(size, start + (int) ((long) blocks / scanThreads) * LiveMemoryIndex.SCAN_BLOCK_ROWS);
        if (pass == Pass.INT2) {
            rows.coarseDots(codes, start, firstEnd, blockDots, null, 0, limit, coarsePassing);
        } else {
            rows.scanRows(pass, codes, scale, start, firstEnd, heap, blockDots);
        }
        for (int i = 1; i < scanThreads; i++) {
            try {
                pending[i].get();
            } catch (InterruptedException e) {
                // The task is being cancelled; close() stops the pool.
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the memory scan threads were running", e);
            } catch (ExecutionException e) {
                awaitPending(i + 1); // the next query reuses the parts: none may still be running
                throw new IllegalStateException("memory scan thread failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private void awaitPending(int from) {
        for (int i = from; i < scanThreads; i++) {
            try {
                pending[i].get();
            } catch (ExecutionException e) {
                // reported by the first failure already
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One range of a split scan, reused query after query (its heap and dot buffer are allocated once). */
    private final class ScanPart implements Runnable {
        ShortlistHeap heap = new ShortlistHeap(64);
        final int[] dots;
        /** The 2-bit pass's rows that reach the threshold. */
        final PassingRows passing = new PassingRows();
        private Pass pass;
        private int limit;
        private byte[] codes;
        private float[] scale;
        private int from;
        private int to;

        ScanPart(int dotsLength) {
            dots = new int[dotsLength];
        }

        /** Written by the calling thread before submit and read by it after get(): the executor orders both. */
        void set(Pass pass, byte[] codes, float[] scale, int from, int to, int limit) {
            this.pass = pass;
            this.codes = codes;
            this.scale = scale;
            this.from = from;
            this.to = to;
            this.limit = limit;
            if (pass == Pass.INT2) {
                passing.clear();
            } else {
                if (heap.capacity() < limit) heap = new ShortlistHeap(limit);
                heap.reset(limit);
            }
        }

        @Override
        public void run() {
            if (pass == Pass.INT2) {
                rows.coarseDots(codes, from, to, dots, null, 0, limit, passing);
            } else {
                rows.scanRows(pass, codes, scale, from, to, heap, dots);
            }
        }

        /** Drops the references to the namespace's arrays so a dropped namespace can be collected. */
        void release() {
            codes = null;
            scale = null;
        }
    }

    @Override
    public void close() {
        if (scanPool != null) {
            scanPool.shutdownNow();
            scanPool = null;
        }
    }
}
