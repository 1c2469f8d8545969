package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.seq2seq.Seq2Seq;
import dev.panamarnn.seq2seq.Seq2SeqDecoder;
import dev.panamarnn.seq2seq.Seq2SeqFile;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** CMUdict parsing, the metric, the baseline, the batches, and {@code rnn experiment translate} at a tiny size (a smoke test). */
class TranslateExperimentTest {
    @TempDir
    Path dir;

    private Path sampleCache() throws Exception {
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache);
        try (InputStream in = getClass().getResourceAsStream("/translate/cmudict-sample.js")) {
            Files.copy(in, cache.resolve(CmuDict.FILE));
        }
        return cache;
    }

    @Test
    void readsWordsWithoutStressCommentsOrAlternates() throws Exception {
        List<CmuDict.Entry> entries = CmuDict.read(sampleCache().resolve(CmuDict.FILE), 12, 14);
        assertTrue(entries.size() > 300, "entries: " + entries.size());
        CmuDict.Entry aalborg = entries.stream().filter(e -> e.word().equals("aalborg")).findFirst().orElseThrow();
        assertEquals(List.of("AO", "L", "B", "AO", "R", "G"), aalborg.phonemes());   // the comment dropped, the first pronunciation kept
        assertFalse(entries.stream().anyMatch(e -> !e.word().matches("[a-z]+")), "only plain words");
        assertTrue(entries.stream().allMatch(e -> e.phonemes().stream().allMatch(p -> p.matches("[A-Z]+"))), "ARPAbet without stress");
    }

    @Test
    void phonemeErrorRateAndBaseline() {
        var s = TranslateExperimentCommand.score(List.of(List.of("K", "AE", "T"), List.of("D", "AO", "G")),
                List.of(List.of("K", "AE", "T"), List.of("D", "G")));
        assertEquals(1 / 6.0, s.per(), 1e-12);
        assertEquals(0.5, s.wordAccuracy(), 1e-12);
        var baseline = TranslateExperimentCommand.Baseline.fit(List.of(new CmuDict.Entry("cat", List.of("K", "AE", "T")),
                new CmuDict.Entry("cot", List.of("K", "AA", "T")), new CmuDict.Entry("at", List.of("AE", "T"))));
        assertEquals(List.of("T", "AE", "K"), baseline.apply("tac"));
        int[][] sources = {{1, 2}, {3, 4, 5}, {1}, {2, 2}, {3, 3, 3}};
        for (int[] members : TranslateExperimentCommand.epoch(sources, 2, new SplittableRandom(1))) {
            assertEquals(sources[members[0]].length, sources[members[1]].length, "one spelling length per batch");
        }
    }

    @Test
    void tinyRunWritesTableFigureAndJson() throws Exception {
        Path cache = sampleCache();
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new TranslateExperimentCommand()).execute("--budget", "3", "--train", "300", "--test", "40",
                    "--hidden", "8", "--embedding", "8", "--batch", "16", "--beam", "2", "--cache", cache.toString(),
                    "--out", dir.resolve("out").toString());
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("| letter-by-letter baseline |"), printed);
        assertTrue(printed.contains("gru seq2seq + attention (bi H=8), beam 2"), printed);
        assertTrue(printed.contains("### Sample held-out words"), printed);
        byte[] head = Files.readAllBytes(dir.resolve("out/translate-attention.png"));
        assertTrue(head.length > 500 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "a PNG");
        assertTrue(Files.readString(dir.resolve("out/translate.json")).contains("\"experiment\" : \"translate\""));

        // the saved model, loaded, decodes the first sample word as the run printed it (greedy, the run's maxLength 12 + 3)
        Path model = dir.resolve("out/translate.safetensors");
        assertTrue(printed.contains("model: " + model), printed);
        List<String> row = printed.lines().dropWhile(l -> !l.startsWith("### Sample held-out words")).filter(l -> l.startsWith("| "))
                .skip(1).findFirst().map(l -> List.of(l.split("\\|"))).orElseThrow(() -> new AssertionError(printed));
        String word = row.get(1).trim(), greedy = row.get(3).trim();
        List<String> phonemes;
        try (SafeTensorsFile f = SafeTensors.read(model)) {
            String targets = f.metadata().get("translate.target_tokens");
            phonemes = List.of(targets.substring(targets.indexOf(": ") + 2).split(" "));
        }
        try (Seq2Seq loaded = Seq2SeqFile.load(model); Seq2SeqDecoder decoder = loaded.decoder(12, 1)) {
            assertEquals(26, loaded.config().sourceVocab());
            assertEquals(8, loaded.config().hidden());
            int[] source = word.chars().map(ch -> ch - 'a').toArray();
            List<String> decoded = TranslateExperimentCommand.names(decoder.greedy(source, 15).tokens(), phonemes);
            assertEquals(greedy, String.join(" ", decoded), "word '" + word + "'");
        }
    }
}
