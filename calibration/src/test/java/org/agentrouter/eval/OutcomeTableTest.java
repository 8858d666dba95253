package org.agentrouter.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.eval.MmluData;
class OutcomeTableTest {

    private static final String WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1";
    private static final String STRONG = "gpt-4-1106-preview";
    private static final String HEADER = "prompt," + WEAK + "," + STRONG + "\r\n";

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static OutcomeTable load(Path path) throws IOException {
        return OutcomeTable.load(path, "prompt", WEAK, STRONG);
    }

    @Test
    void parsesRfc4180QuotingCommasQuotesAndLineBreaks() throws IOException {
        Path file = write("mmlu_anatomy.csv", HEADER
                + "\"Which, of these?\nA. one\r\nB. \"\"two\"\"\n\nAnswer:\",True,False\r\n"
                + "plain prompt,FALSE,true\n"
                + "\"ends with a quote \"\"\",False,True\n"
                + "\"é ünïcode, 漢字\",True,True");
        OutcomeTable table = load(file);

        assertEquals(4, table.size());
        assertEquals("Which, of these?\nA. one\r\nB. \"two\"\n\nAnswer:", table.prompt(0));
        assertEquals("plain prompt", table.prompt(1));
        assertEquals("ends with a quote \"", table.prompt(2));
        assertEquals("é ünïcode, 漢字", table.prompt(3));
        assertArrayEquals(new double[] {1, 0, 0, 1}, table.weakOutcomes());
        assertArrayEquals(new double[] {0, 1, 1, 1}, table.strongOutcomes());
        assertEquals(-1.0, table.gain(0));
        assertEquals("anatomy", table.subject(0));
        assertEquals(List.of("anatomy"), table.subjects());
    }

    @Test
    void keepsNumericOutcomesAsDoubles() throws IOException {
        Path file = write("judged.csv", "prompt,weak,strong\nq1,7.5,9\nq2, 3 ,1e1\n");
        OutcomeTable table = OutcomeTable.load(file, "prompt", "weak", "strong");

        assertArrayEquals(new double[] {7.5, 3.0}, table.weakOutcomes());
        assertArrayEquals(new double[] {9.0, 10.0}, table.strongOutcomes());
        assertEquals(5.25, table.weakMean(), 1e-12);
        assertEquals("judged", table.subject(0), "subject without an mmlu_ prefix is the bare file name");
    }

    @Test
    void findsColumnsByNameInAnyOrderAndIgnoresExtraColumns() throws IOException {
        Path file = write("mmlu_x.csv", "id," + STRONG + ",prompt,note," + WEAK + "\n7,True,the q,\"a, b\",False\n");
        OutcomeTable table = load(file);

        assertEquals("the q", table.prompt(0));
        assertEquals(0.0, table.weak(0));
        assertEquals(1.0, table.strong(0));
    }

    @Test
    void loadsADirectoryInFileNameOrderWithSubjectsPerRow() throws IOException {
        write("mmlu_virology.csv", HEADER + "v1,True,True\nv2,False,True\n");
        write("mmlu_anatomy.csv", HEADER + "a1,False,False\n");
        write("notes.txt", "not a csv");
        Files.createDirectory(dir.resolve("sub.csv"));
        OutcomeTable table = load(dir);

        assertEquals(3, table.size());
        assertEquals(List.of("a1", "v1", "v2"), table.prompts());
        assertEquals(List.of("anatomy", "virology"), table.subjects());
        assertEquals("virology", table.subject(2));
        assertEquals(1, table.subjectIndex(2));
    }

    @Test
    void filterKeepsOrderAndDropsEmptySubjects() throws IOException {
        write("mmlu_a.csv", HEADER + "a1,True,True\n");
        write("mmlu_b.csv", HEADER + "b1,False,True\nb2,True,False\n");
        OutcomeTable table = load(dir).filter(row -> row != 0);

        assertEquals(List.of("b1", "b2"), table.prompts());
        assertEquals(List.of("b"), table.subjects());
        assertEquals(0, table.subjectIndex(1));
    }

    @Test
    void skipsAByteOrderMark() throws IOException {
        Path file = write("mmlu_bom.csv", "\uFEFF" + HEADER + "q,True,False\n");
        assertEquals("q", load(file).prompt(0));
    }

    @Test
    void missingColumnNamesTheFileAndTheColumn() throws IOException {
        Path file = write("mmlu_broken.csv", "prompt," + WEAK + "\nq,True\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(file));

        assertTrue(e.getMessage().contains("mmlu_broken.csv"), e.getMessage());
        assertTrue(e.getMessage().contains("no column '" + STRONG + "'"), e.getMessage());
    }

    @Test
    void unparsableValueNamesFileLineAndColumn() throws IOException {
        // the bad record starts on line 5: header, a record spanning lines 2-3, a record on line 4
        Path file = write("mmlu_bad.csv", HEADER + "\"two\nlines\",True,True\nq,False,True\nq3,maybe,True\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(file));

        assertTrue(e.getMessage().contains("mmlu_bad.csv line 5"), e.getMessage());
        assertTrue(e.getMessage().contains("'" + WEAK + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("'maybe'"), e.getMessage());
    }

    @Test
    void missingValueAndEmptyValueAreReported() throws IOException {
        Path shortRecord = write("mmlu_short.csv", HEADER + "q,True\n");
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> load(shortRecord));
        assertTrue(e1.getMessage().contains("mmlu_short.csv line 2"), e1.getMessage());

        Path empty = write("mmlu_empty.csv", HEADER + "q,,True\n");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> load(empty));
        assertTrue(e2.getMessage().contains("mmlu_empty.csv line 2"), e2.getMessage());
    }

    @Test
    void nonFiniteNumbersAreRejected() throws IOException {
        Path file = write("mmlu_nan.csv", HEADER + "q,NaN,True\n");
        assertThrows(IllegalArgumentException.class, () -> load(file));
    }

    @Test
    void unterminatedQuoteIsReportedWithTheFile() throws IOException {
        Path file = write("mmlu_quote.csv", HEADER + "\"never closed,True,True\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(file));
        assertTrue(e.getMessage().contains("mmlu_quote.csv"), e.getMessage());
    }

    @Test
    void directoryWithoutCsvFilesOrMissingPathIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> load(dir));
        assertThrows(IllegalArgumentException.class, () -> load(dir.resolve("absent")));
    }

    @Test
    void realRouteLlmMmluFilesWhenPresent() throws IOException {
        Path data = MmluData.directory();
        assumeTrue(Files.isDirectory(data), "RouteLLM MMLU data not found at " + data);
        OutcomeTable table = MmluData.load();

        assertEquals(11_915, table.size());
        assertEquals(48, table.subjects().size());
        assertEquals(0.6655, table.weakMean(), 5e-5);
        assertEquals(0.7966, table.strongMean(), 5e-5);
        assertEquals("abstract_algebra", table.subject(0));
        OutcomeTable math = table.filter(row -> table.subject(row).equals(MmluData.DEFECTIVE_SUBJECT));
        assertEquals(270, math.size());
    }
}
