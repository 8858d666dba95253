package org.agentrouter.eval;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Per-prompt outcomes of a weak and a strong model, loaded from one CSV file or a directory of them
 * (the RouteLLM response files: a prompt column and one outcome column per model).
 *
 * <p>Outcomes are kept as doubles so the same evaluation serves correctness labels ({@code True} /
 * {@code False} become 1 / 0) and graded outcomes such as 1-10 judge scores.
 *
 * <p>Row order is part of the contract because embedding caches are keyed by it: files in a directory
 * are read in ascending file-name order, rows in file order. The subject of a row is its file name
 * without a leading {@code mmlu_} and the {@code .csv} extension.
 *
 * <p>Instances are immutable.
 */
public final class OutcomeTable {

    // RFC 4180: prompts contain commas, doubled quotes and line breaks inside quoted fields.
    // Blank lines between records are skipped; blank lines inside a quoted prompt are data.
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .get();

    private final List<String> prompts;
    private final double[] weak;
    private final double[] strong;
    private final int[] subjectOfRow;
    private final List<String> subjects;

    private OutcomeTable(List<String> prompts, double[] weak, double[] strong, int[] subjectOfRow, List<String> subjects) {
        this.prompts = prompts;
        this.weak = weak;
        this.strong = strong;
        this.subjectOfRow = subjectOfRow;
        this.subjects = subjects;
    }

    /**
     * Loads {@code csvOrDirectory}: a single CSV file, or every {@code *.csv} file directly inside a
     * directory (ascending file name).
     *
     * @throws IllegalArgumentException naming the file (and line) for a missing column, a missing or
     *     unparsable value, or a directory without CSV files
     */
    public static OutcomeTable load(Path csvOrDirectory, String promptColumn, String weakColumn, String strongColumn)
            throws IOException {
        List<Path> files = csvFiles(csvOrDirectory);
        Builder builder = new Builder();
        for (Path file : files) {
            builder.readFile(file, promptColumn, weakColumn, strongColumn);
        }
        return builder.build();
    }

    private static List<Path> csvFiles(Path csvOrDirectory) throws IOException {
        if (!Files.isDirectory(csvOrDirectory)) {
            if (!Files.isRegularFile(csvOrDirectory)) {
                throw new IllegalArgumentException("no such file or directory: " + csvOrDirectory);
            }
            return List.of(csvOrDirectory);
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(csvOrDirectory)) {
            files = listing
                    .filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .csv files in directory " + csvOrDirectory);
        }
        return files;
    }

    /** The subject a file's rows belong to: {@code mmlu_anatomy.csv} gives {@code anatomy}. */
    public static String subjectOf(Path file) {
        String name = file.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            name = name.substring(0, name.length() - 4);
        }
        return name.startsWith("mmlu_") ? name.substring(5) : name;
    }

    public int size() {
        return prompts.size();
    }

    public String prompt(int row) {
        return prompts.get(row);
    }

    public double weak(int row) {
        return weak[row];
    }

    public double strong(int row) {
        return strong[row];
    }

    /** strong - weak outcome of a row: +1 when only the strong model is right on a correctness label. */
    public double gain(int row) {
        return strong[row] - weak[row];
    }

    public String subject(int row) {
        return subjects.get(subjectOfRow[row]);
    }

    /** Index of the row's subject in {@link #subjects()}; cheaper than comparing names in hot loops. */
    public int subjectIndex(int row) {
        return subjectOfRow[row];
    }

    /** Distinct subjects in load order. */
    public List<String> subjects() {
        return subjects;
    }

    public List<String> prompts() {
        return prompts;
    }

    /** A copy of the weak model's outcomes, in row order. */
    public double[] weakOutcomes() {
        return weak.clone();
    }

    /** A copy of the strong model's outcomes, in row order. */
    public double[] strongOutcomes() {
        return strong.clone();
    }

    public double weakMean() {
        return Arrays.stream(weak).average().orElse(Double.NaN);
    }

    public double strongMean() {
        return Arrays.stream(strong).average().orElse(Double.NaN);
    }

    /** The rows matching {@code keep}, in their current order; subjects left without rows are dropped. */
    public OutcomeTable filter(IntPredicate keep) {
        Builder builder = new Builder();
        for (int row = 0; row < size(); row++) {
            if (keep.test(row)) {
                builder.add(prompts.get(row), weak[row], strong[row], subject(row));
            }
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "OutcomeTable{rows=" + size() + ", subjects=" + subjects.size() + "}";
    }

    /** Accumulates rows; subjects are numbered in first-seen order. */
    private static final class Builder {
        private final List<String> prompts = new ArrayList<>();
        private final List<Double> weak = new ArrayList<>();
        private final List<Double> strong = new ArrayList<>();
        private final List<Integer> subjectOfRow = new ArrayList<>();
        private final Map<String, Integer> subjectIds = new LinkedHashMap<>();

        void add(String prompt, double weakOutcome, double strongOutcome, String subject) {
            prompts.add(prompt);
            weak.add(weakOutcome);
            strong.add(strongOutcome);
            subjectOfRow.add(subjectIds.computeIfAbsent(subject, s -> subjectIds.size()));
        }

        void readFile(Path file, String promptColumn, String weakColumn, String strongColumn) throws IOException {
            String subject = subjectOf(file);
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                skipByteOrderMark(reader);
                try (CSVParser parser = CSVParser.parse(reader, FORMAT)) {
                    requireColumns(file, parser.getHeaderNames(), promptColumn, weakColumn, strongColumn);
                    Iterator<CSVRecord> records = parser.iterator();
                    // The parser's line counter stands at the end of the previous record, so the next
                    // record starts one line further (records may span several lines).
                    long startLine = parser.getCurrentLineNumber() + 1;
                    while (records.hasNext()) {
                        CSVRecord record = records.next();
                        String where = file + " line " + startLine;
                        add(value(record, promptColumn, where),
                                outcome(value(record, weakColumn, where), weakColumn, where),
                                outcome(value(record, strongColumn, where), strongColumn, where),
                                subject);
                        startLine = parser.getCurrentLineNumber() + 1;
                    }
                }
            } catch (IllegalStateException | UncheckedIOException e) {
                // commons-csv reports malformed quoting this way, without the file name.
                throw new IllegalArgumentException(file + ": malformed CSV: " + e.getMessage(), e);
            }
        }

        private static void skipByteOrderMark(Reader reader) throws IOException {
            reader.mark(1);
            if (reader.read() != '\uFEFF') {
                reader.reset();
            }
        }

        private static void requireColumns(Path file, List<String> header, String... columns) {
            for (String column : columns) {
                if (!header.contains(column)) {
                    throw new IllegalArgumentException(
                            file + ": no column '" + column + "' (columns: " + String.join(", ", header) + ")");
                }
            }
        }

        private static String value(CSVRecord record, String column, String where) {
            if (!record.isSet(column)) {
                throw new IllegalArgumentException(where + ": no value for column '" + column
                        + "' (record has " + record.size() + " fields)");
            }
            return record.get(column);
        }

        /** True/False (any case) or a finite number. */
        private static double outcome(String text, String column, String where) {
            String trimmed = text.trim();
            if (trimmed.equalsIgnoreCase("true")) {
                return 1.0;
            }
            if (trimmed.equalsIgnoreCase("false")) {
                return 0.0;
            }
            try {
                double value = Double.parseDouble(trimmed);
                if (Double.isFinite(value)) {
                    return value;
                }
            } catch (NumberFormatException ignored) {
                // reported below with the location
            }
            throw new IllegalArgumentException(where + ": column '" + column
                    + "' holds '" + text + "', expected True/False or a finite number");
        }

        OutcomeTable build() {
            int n = prompts.size();
            double[] w = new double[n];
            double[] s = new double[n];
            int[] subj = new int[n];
            for (int i = 0; i < n; i++) {
                w[i] = weak.get(i);
                s[i] = strong.get(i);
                subj[i] = subjectOfRow.get(i);
            }
            return new OutcomeTable(Collections.unmodifiableList(new ArrayList<>(prompts)), w, s, subj,
                    List.copyOf(subjectIds.keySet()));
        }
    }
}
