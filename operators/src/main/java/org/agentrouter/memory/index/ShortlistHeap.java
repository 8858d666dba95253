package org.agentrouter.memory.index;

import java.util.Arrays;

/** Bounded min-heap of (score, row): keeps the best {@code limit} offered. */
public final class ShortlistHeap {
    private final float[] score;
    private final int[] rows;
    private int size;
    private int limit;

    public ShortlistHeap(int capacity) {
        score = new float[capacity];
        rows = new int[capacity];
    }

    public int capacity() {
        return rows.length;
    }

    public void reset(int limit) {
        this.size = 0;
        this.limit = limit;
    }

    /** The most rows it keeps (set by {@link #reset}). */
    public int limit() {
        return limit;
    }

    public int size() {
        return size;
    }

    /** The row at heap position i (unordered). */
    public int row(int i) {
        return rows[i];
    }

    /** The score a row must exceed to enter: -infinity while not full, +infinity when the limit is 0. */
    public float floor() {
        return size < limit ? Float.NEGATIVE_INFINITY : limit == 0 ? Float.POSITIVE_INFINITY : score[0];
    }

    /** The first-pass score of the row at heap position i. */
    public float score(int i) {
        return score[i];
    }

    public void offer(float s, int row) {
        if (size < limit) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (score[parent] <= s) {
                    break;
                }
                score[i] = score[parent];
                rows[i] = rows[parent];
                i = parent;
            }
            score[i] = s;
            rows[i] = row;
        } else if (limit > 0 && s > score[0]) {
            int i = 0;
            while (true) {
                int left = 2 * i + 1;
                if (left >= size) {
                    break;
                }
                int child = left + 1 < size && score[left + 1] < score[left] ? left + 1 : left;
                if (score[child] >= s) {
                    break;
                }
                score[i] = score[child];
                rows[i] = rows[child];
                i = child;
            }
            score[i] = s;
            rows[i] = row;
        }
    }
}
