package org.agentrouter.study;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The k most similar memory rows of each query row, best first. Which rows a query may see is the
 * whole point of the protocols: a query never sees its own outcome, and under "unseen subjects" it
 * never sees a row of its own subject.
 */
final class NeighbourLists {
    /** Decides, for one query, whether a memory row may be retrieved. */
    interface Visibility {
        boolean visible(int query, int memoryRow);
    }

    private final int[][] rows;
    private final float[][] sims;

    private NeighbourLists(int[][] rows, float[][] sims) {
        this.rows = rows;
        this.sims = sims;
    }

    /** Neighbour lists for {@code queries} (other rows get none). */
    static NeighbourLists build(CosineMatrix matrix, int[] queries, int k, Visibility visibility) {
        int n = matrix.size();
        int[][] rows = new int[n][];
        float[][] sims = new float[n][];
        IntStream.range(0, queries.length).parallel().forEach(qi -> {
            int q = queries[qi];
            TopK top = new TopK(k);
            float[] row = matrix.row(q);
            for (int j = 0; j < n; j++) {
                if (j != q && row[j] > top.floor() && visibility.visible(q, j)) {
                    top.offer(j, row[j]);
                }
            }
            top.drainBestFirst();
            rows[q] = top.rows;
            sims[q] = top.sims;
        });
        return new NeighbourLists(rows, sims);
    }

    int[] rows(int query) {
        return rows[query];
    }

    float[] sims(int query) {
        return sims[query];
    }

    /** A bounded min-heap on similarity; ties broken towards the lower row for determinism. */
    private static final class TopK {
        private final int capacity;
        private int size;
        private int[] heapRows;
        private float[] heapSims;
        int[] rows;
        float[] sims;

        TopK(int capacity) {
            this.capacity = capacity;
            this.heapRows = new int[capacity];
            this.heapSims = new float[capacity];
        }

        float floor() {
            return size < capacity ? Float.NEGATIVE_INFINITY : heapSims[0];
        }

        void offer(int row, float sim) {
            if (size < capacity) {
                heapRows[size] = row;
                heapSims[size] = sim;
                siftUp(size++);
            } else {
                heapRows[0] = row;
                heapSims[0] = sim;
                siftDown(0);
            }
        }

        private boolean less(int a, int b) {
            return heapSims[a] < heapSims[b] || (heapSims[a] == heapSims[b] && heapRows[a] > heapRows[b]);
        }

        private void swap(int a, int b) {
            int r = heapRows[a];
            heapRows[a] = heapRows[b];
            heapRows[b] = r;
            float s = heapSims[a];
            heapSims[a] = heapSims[b];
            heapSims[b] = s;
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!less(i, parent)) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int l = 2 * i + 1;
                int r = l + 1;
                int smallest = i;
                if (l < size && less(l, smallest)) {
                    smallest = l;
                }
                if (r < size && less(r, smallest)) {
                    smallest = r;
                }
                if (smallest == i) {
                    return;
                }
                swap(i, smallest);
                i = smallest;
            }
        }

        void drainBestFirst() {
            rows = new int[size];
            sims = new float[size];
            for (int i = size - 1; i >= 0; i--) {
                rows[i] = heapRows[0];
                sims[i] = heapSims[0];
                heapRows[0] = heapRows[size - 1];
                heapSims[0] = heapSims[size - 1];
                size--;
                siftDown(0);
            }
            heapRows = null;
            heapSims = null;
        }
    }

    @Override
    public String toString() {
        return "NeighbourLists{queries=" + Arrays.stream(rows).filter(r -> r != null).count() + "}";
    }
}
