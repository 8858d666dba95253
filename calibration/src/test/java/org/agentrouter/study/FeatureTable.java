package org.agentrouter.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Per-row feature vectors of one split (training and test rows; other rows null), with a group name
 * per column so that ablations can pick whole families of features.
 */
final class FeatureTable {
    final List<String> names;
    final List<String> groups;
    private final double[][] byRow;

    FeatureTable(List<String> names, List<String> groups, double[][] byRow) {
        this.names = List.copyOf(names);
        this.groups = List.copyOf(groups);
        this.byRow = byRow;
    }

    int[] columns(Set<String> wantedGroups) {
        List<Integer> picked = new ArrayList<>();
        for (int c = 0; c < groups.size(); c++) {
            if (wantedGroups.contains(groups.get(c))) {
                picked.add(c);
            }
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    int column(String name) {
        int c = names.indexOf(name);
        if (c < 0) {
            throw new IllegalArgumentException("no feature " + name);
        }
        return c;
    }

    double value(int row, int column) {
        return byRow[row][column];
    }

    double[][] matrix(int[] rows, int[] columns) {
        double[][] x = new double[rows.length][columns.length];
        for (int i = 0; i < rows.length; i++) {
            double[] source = byRow[rows[i]];
            for (int c = 0; c < columns.length; c++) {
                x[i][c] = source[columns[c]];
            }
        }
        return x;
    }
}
