package org.agentrouter.memory.index;

import java.util.Arrays;

/** Rows that reached the coarse threshold and their 2-bit dots, in row order (grown as needed). */
final class PassingRows {
    int[] rows = new int[1024];
    int[] dots = new int[1024];
    int n;

    void clear() {
        n = 0;
    }

    void add(int row, int dot) {
        if (n == rows.length) {
            rows = Arrays.copyOf(rows, 2 * n);
            dots = Arrays.copyOf(dots, 2 * n);
        }
        rows[n] = row;
        dots[n++] = dot;
    }

    void addAll(PassingRows other) {
        for (int i = 0; i < other.n; i++) add(other.rows[i], other.dots[i]);
    }
}
