package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.SequenceDataset.Targets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The long CSV layout: happy paths and every bad-content message (file, line, column). */
class SequenceDatasetCsvTest {
    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        Path file = dir.resolve("data.csv");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void labelsPerSequenceWithUnsortedTimeAndNonContiguousIds() throws IOException {
        Path file = csv("""
                id,t,x,y,label
                b,2,20,200,"cat"
                a,1,1,10,dog
                b,0,0,0,cat

                a,0,0.5,5,dog
                c,5,-1,-2,ant
                b,1,10,100,cat
                """);
        SequenceDataset d = SequenceDataset.fromCsv(file, CsvLayout.id("id").time("t").label("label"));
        assertEquals(3, d.size()); // b, a, c in order of first appearance
        assertEquals(Targets.CLASS_PER_SEQUENCE, d.targets());
        assertEquals(List.of("ant", "cat", "dog"), d.classNames());
        assertEquals(3, d.classes());
        assertEquals(2, d.features()); // x, y: every column that is not id, time or label
        assertArrayEquals(new float[][] {{0, 0}, {10, 100}, {20, 200}}, d.inputs(0));
        assertArrayEquals(new float[][] {{0.5f, 5}, {1, 10}}, d.inputs(1));
        assertArrayEquals(new float[][] {{-1, -2}}, d.inputs(2));
        assertArrayEquals(new int[] {1, 2, 0}, new int[] {d.label(0), d.label(1), d.label(2)});
    }

    @Test
    void withoutATimeColumnRowsKeepFileOrder() throws IOException {
        Path file = csv("seq, x ,unused,label\n7,3,9,p\n8,1,9,q\n7,2,9,p\n7,1,9,p\n");
        SequenceDataset d = SequenceDataset.fromCsv(file, CsvLayout.id("seq").features("x").label("label"));
        assertEquals(1, d.features());
        assertArrayEquals(new float[][] {{3}, {2}, {1}}, d.inputs(0));
        assertArrayEquals(new float[][] {{1}}, d.inputs(1));
    }

    @Test
    void labelsPerStep() throws IOException {
        Path file = csv("id,t,x,tag\ns1,1,1,B\ns1,0,0,A\ns2,0,5,C\ns1,2,2,A\n");
        SequenceDataset d = SequenceDataset.fromCsv(file, CsvLayout.id("id").time("t").label("tag").perStep(true));
        assertEquals(Targets.CLASS_PER_STEP, d.targets());
        assertEquals(List.of("A", "B", "C"), d.classNames());
        assertArrayEquals(new int[] {0, 1, 0}, d.stepLabels(0));
        assertArrayEquals(new int[] {2}, d.stepLabels(1));
        assertArrayEquals(new float[][] {{0}, {1}, {2}}, d.inputs(0));
    }

    @Test
    void targetsPerSequenceAndPerStep() throws IOException {
        Path file = csv("id,x1,x2,y1,y2\nu,1,2,0.5,-1\nv,3,4,7,8\nu,5,6,0.5,-1\n");
        SequenceDataset d = SequenceDataset.fromCsv(file, CsvLayout.id("id").targets("y1", "y2"));
        assertEquals(Targets.VALUES_PER_SEQUENCE, d.targets());
        assertEquals(2, d.targetSize());
        assertEquals(List.of(), d.classNames());
        assertArrayEquals(new float[] {0.5f, -1}, d.target(0));
        assertArrayEquals(new float[] {7, 8}, d.target(1));
        assertArrayEquals(new float[][] {{1, 2}, {5, 6}}, d.inputs(0));

        Path steps = csv("id,t,x,y\nu,2,1,10\nu,1,2,20\n");
        SequenceDataset s = SequenceDataset.fromCsv(steps, CsvLayout.id("id").time("t").targets("y").perStep(true));
        assertEquals(Targets.VALUES_PER_STEP, s.targets());
        assertArrayEquals(new float[][] {{20}, {10}}, s.stepTargets(0));
        assertArrayEquals(new float[][] {{2}, {1}}, s.inputs(0));
    }

    @Test
    void badContentNamesTheFileLineAndColumn() throws IOException {
        String name = dir.resolve("data.csv").toString();
        CsvLayout labels = CsvLayout.id("id").time("t").label("y");
        assertMessage(name + " line 3: column 'x' is not a finite number: 'abc'", "id,t,x,y\na,0,1,p\na,1,abc,p\n", labels);
        assertMessage(name + " line 2: column 'x' is not a finite number: 'NaN'", "id,t,x,y\na,0,NaN,p\n", labels);
        assertMessage(name + " line 2: column 'x' is outside the float range: '1e39'", "id,t,x,y\na,0,1e39,p\n", labels);
        assertMessage(name + " line 2: column 't' is not a finite number: ''", "id,t,x,y\na,,1,p\n", labels);
        assertMessage(name + " line 3: expected 4 fields, got 3", "id,t,x,y\na,0,1,p\na,1,2\n", labels);
        assertMessage(name + " line 2: column 'id' (the sequence id) is empty", "id,t,x,y\n \"\" ,0,1,p\n", labels);
        assertMessage(name + " line 2: column 'y' (the label) is empty", "id,t,x,y\na,0,1,\n", labels);
        assertMessage(name + " line 2: column 'id' (the sequence id) has a control character (U+001B) at character 1; ids and labels "
                + "must be printable text", "id,t,x,y\n\u001b[31ma,0,1,p\n", labels);             // not trimmed away
        assertMessage(name + " line 3: column 'id' (the sequence id) has a control character (U+0007) at character 2; ids and labels "
                + "must be printable text", "id,t,x,y\nab,0,1,p\na\u0007,0,1,p\n", labels);
        assertMessage(name + " line 2: column 'y' (the label) has a control character (U+009B) at character 2; ids and labels "
                + "must be printable text", "id,t,x,y\na,0,1,p\u009b\n", labels);
        assertMessage(name + " line 1: no column 'y' (the label column); columns are id, t, x, label",
                "id,t,x,label\na,0,1,p\n", labels);
        assertMessage(name + " line 1: column 'x' (the feature column) appears twice in the header, as fields 2 and 3",
                "id,x,x,y\na,0,1,p\n", CsvLayout.id("id").features("x").label("y"));
        assertMessage(name + " line 1: no feature columns: every column (id, y) is the id, time, label or a target",
                "id,y\na,p\n", CsvLayout.id("id").label("y"));
        assertMessage(name + " line 4: column 'y': sequence 'a' has label 'q' here but 'p' on line 2;"
                        + " labels are per sequence unless the layout says perStep(true)",
                "id,t,x,y\na,0,1,p\nb,0,1,q\na,1,2,q\n", labels);
        assertMessage(name + " line 3: column 'v': sequence 'a' has target 2.0 here but 1.0 on line 2;"
                        + " targets are per sequence unless the layout says perStep(true)",
                "id,x,v\na,1,1\na,2,2\n", CsvLayout.id("id").targets("v"));
        assertMessage(name + " line 4: column 't': sequence 'a' has two rows at time 1.0 (lines 2 and 4)",
                "id,t,x,y\na,1,1,p\na,0,1,p\na,1,1,p\n", labels);
        assertMessage(name + " has a header but no data rows: a dataset needs at least one sequence", "id,t,x,y\n\n", labels);
        assertMessage(name + " is empty: expected a header line with a 'id' column", "", labels);
    }

    @Test
    void aMissingFileAndABadLayoutAreClear() {
        Path missing = dir.resolve("missing.csv");
        IOException e = assertThrows(IOException.class,
                () -> SequenceDataset.fromCsv(missing, CsvLayout.id("id").label("y")));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals("column 'id' has two roles in the CSV layout",
                assertThrows(IllegalArgumentException.class, () -> CsvLayout.id("id").features("x", "id")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> CsvLayout.id("id").label("y").targets("v")).getMessage().contains("not both"));
        assertThrows(IllegalArgumentException.class, () -> CsvLayout.id(" "));
    }

    @Test
    void withoutALabelOrTargetsTheDatasetHoldsInputsOnlyWithTheirIds() throws IOException {
        Path file = csv("id,t,x,label\nb,1,2,p\na,0,5,q\nb,0,1,p\n");
        SequenceDataset d = SequenceDataset.fromCsv(file, CsvLayout.id("id").time("t").features("x"));
        assertEquals(Targets.NONE, d.targets());
        assertTrue(!d.hasTargets());
        assertEquals(List.of("b", "a"), d.ids());
        assertArrayEquals(new float[][] {{1}, {2}}, d.inputs(0));
        assertThrows(IllegalStateException.class, () -> d.label(0));
        assertEquals(null, d.batches(2, false, false, 0).getFirst().labels());
        assertEquals(List.of("id", "t", "x", "label"), SequenceDataset.csvHeader(file));
    }

    @Test
    void idsFollowSubsetsAndSplits() throws IOException {
        StringBuilder text = new StringBuilder("id,x,y\n");
        for (int i = 0; i < 10; i++) {
            text.append("s").append(i).append(',').append(i).append(',').append(i % 2).append('\n');
        }
        SequenceDataset d = SequenceDataset.fromCsv(csv(text.toString()), CsvLayout.id("id").label("y"));
        assertEquals(List.of("s3", "s1"), d.subset(new int[] {3, 1}).ids());
        SequenceDataset.Split split = d.split(0.3, 4);
        for (SequenceDataset part : List.of(split.train(), split.validation())) {
            for (int i = 0; i < part.size(); i++) {
                assertEquals("s" + (int) part.inputs(i)[0][0], part.ids().get(i)); // x holds the id's number
            }
        }
        assertEquals(List.of(), SequenceDataset.ofInputs(List.<float[][]>of(new float[][] {{1}})).ids());
    }

    @Test
    void aGzipFileReadsAsItsText() throws IOException {
        String text = "id,x,y\na,1,p\na,2,p\nb,3,q\n";
        Path gz = dir.resolve("data.csv.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        SequenceDataset plain = SequenceDataset.fromCsv(csv(text), CsvLayout.id("id").label("y"));
        SequenceDataset zipped = SequenceDataset.fromCsv(gz, CsvLayout.id("id").label("y"));
        assertEquals(plain.ids(), zipped.ids());
        assertArrayEquals(plain.inputs(0), zipped.inputs(0));
        assertEquals(plain.classNames(), zipped.classNames());
        assertEquals(List.of("id", "x", "y"), SequenceDataset.csvHeader(gz));
        try (var in = Files.newInputStream(gz)) {
            assertEquals(plain.ids(), SequenceDataset.fromCsv(in, "resource", CsvLayout.id("id").label("y")).ids());
        }
        Path broken = dir.resolve("broken.csv.gz");
        Files.write(broken, new byte[] {0x1f, (byte) 0x8b, 1, 2});
        IOException e = assertThrows(IOException.class, () -> SequenceDataset.fromCsv(broken, CsvLayout.id("id").label("y")));
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
    }

    private void assertMessage(String expected, String text, CsvLayout layout) throws IOException {
        Path file = csv(text);
        IOException e = assertThrows(IOException.class, () -> SequenceDataset.fromCsv(file, layout), text);
        assertEquals(expected, e.getMessage());
    }
}
