package dev.panamarnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start is QuickStart's code, word for word, and it runs: on a small CSV in the
 * same layout it trains, saves, reloads and serves a model, printing the validation metrics and
 * the served logits.
 */
class QuickStartTest {
    static final String BEGIN = "// quick start: begin", END = "// quick start: end";

    /** The lines between the markers, stripped of indentation. */
    static List<String> block(List<String> lines, String begin, String end) {
        List<String> out = new ArrayList<>();
        boolean inside = false;
        for (String line : lines) {
            if (inside && line.contains(end)) {
                break;
            }
            if (inside && !line.isBlank()) {
                out.add(line.strip());
            }
            inside |= line.contains(begin);
        }
        return out;
    }

    @Test
    void readmeShowsQuickStartWordForWord() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> source = block(Files.readAllLines(root.resolve("examples/src/main/java/dev/panamarnn/examples/QuickStart.java")),
                BEGIN, END);
        List<String> readme = block(Files.readAllLines(root.resolve("README.md")), "```java", "```");
        assertTrue(source.size() > 15, "the quick start block was found: " + source.size() + " lines");
        assertEquals(source, readme, "README.md's first java block is QuickStart's quick-start block");
    }

    @Test
    void quickStartTrainsSavesLoadsAndServes(@TempDir Path dir) throws Exception {
        // 120 sequences of 8 steps x 8 features; the label is which third of the features carries a bump
        SplittableRandom r = new SplittableRandom(1);
        StringBuilder csv = new StringBuilder("image,row,c0,c1,c2,c3,c4,c5,c6,c7,digit\n");
        for (int i = 0; i < 120; i++) {
            int label = i % 3;
            for (int row = 0; row < 8; row++) {
                csv.append("img").append(i).append(',').append(row);
                for (int c = 0; c < 8; c++) {
                    double bump = c / 3 == label ? 3 : 0;
                    csv.append(',').append(String.format(java.util.Locale.ROOT, "%.3f", bump + r.nextGaussian()));
                }
                csv.append(",d").append(label).append('\n');
            }
        }
        Path file = dir.resolve("bumps.csv");
        Files.writeString(file, csv);
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[] {file.toString(), dir.resolve("model.safetensors").toString()});
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("validation: loss") && out.contains("accuracy"), out);
        assertTrue(out.contains("for classes [d0, d1, d2]"), out);
        assertTrue(Files.size(dir.resolve("model.safetensors")) > 0);
    }
}
