package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.options.Range;
import dev.panamarnn.model.EditDistance;
import dev.panamarnn.seq2seq.Seq2Seq;
import dev.panamarnn.seq2seq.Seq2SeqConfig;
import dev.panamarnn.seq2seq.Seq2SeqDecoder;
import dev.panamarnn.seq2seq.Seq2SeqFile;
import dev.panamarnn.seq2seq.Seq2SeqPass;
import dev.panamarnn.seq2seq.Translation;
import dev.panamarnn.train.Adam;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn experiment translate}: sequence-to-sequence with attention ({@link Seq2Seq}) on a real
 * transduction task, English spelling to pronunciation (grapheme-to-phoneme) from the CMU
 * Pronouncing Dictionary ({@link CmuDict}; no package reachable here ships a parallel corpus of
 * sentences). Held-out words never seen in training; phoneme error rate (edit distance over reference
 * phonemes) and word accuracy, greedy and beam search, beside a letter-by-letter baseline (each
 * letter read as the phoneme it most often stands for at the same position in training words
 * whose spelling and pronunciation have equal length). Prints sample outputs, writes
 * translate-attention.png (the attention matrix of held-out words) and translate.json.
 */
@Command(name = "translate", mixinStandardHelpOptions = true,
        description = {"Sequence-to-sequence with attention: English spelling -> pronunciation (CMUdict, held-out words).",
                "No package reachable here ships a parallel corpus; grapheme-to-phoneme is the real-data transduction task.",
                "Phoneme error rate and word accuracy (greedy and beam search) beside a letter-by-letter baseline."})
public final class TranslateExperimentCommand implements Callable<Integer> {
    static final int PAD = 0, BOS = 1, EOS = 2, FIRST_PHONEME = 3;

    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--cache", defaultValue = "experiments/translate-cache", description = "Directory of the cached dictionary.")
    Path cache;
    @Option(names = "--train", defaultValue = "60000", description = "Training words at most.")
    @Range(min = 2, max = 1000000)
    int trainSize;
    @Option(names = "--test", defaultValue = "1000", description = "Held-out words.")
    @Range(min = 1, max = 100000)
    int testSize;
    @Option(names = "--cell", defaultValue = "gru", description = "Encoder and decoder cell: gru, lstm.")
    String cell;
    @Option(names = "--hidden", defaultValue = "64", description = "Hidden units per encoder direction (the decoder has twice as many).")
    @Range(min = 1, max = 4096)
    int hidden;
    @Option(names = "--embedding", defaultValue = "32", description = "Embedding size of letters and phonemes.")
    @Range(min = 1, max = 4096)
    int embedding;
    @Option(names = "--batch", defaultValue = "64", description = "Words per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--beam", defaultValue = "4", description = "Beam width reported beside greedy decoding.")
    @Range(min = 1, max = 64)
    int beam;
    @Option(names = "--alpha", defaultValue = "1", description = "Beam length normalisation: log-probability / length^alpha.")
    @Range(min = 0, max = 10)
    double alpha;
    @Option(names = "--max-letters", defaultValue = "12", description = "Longest word used.")
    @Range(min = 2, max = 64)
    int maxLetters;

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        long start = System.nanoTime();
        Path file = CmuDict.ensure(cache, System.out);
        int maxPhonemes = maxLetters + 2;
        List<CmuDict.Entry> entries = new ArrayList<>(CmuDict.read(file, maxLetters, maxPhonemes));
        SplittableRandom random = new SplittableRandom(options.seed());
        for (int i = entries.size() - 1; i > 0; i--) {                  // seeded shuffle, then held-out words first
            int j = random.nextInt(i + 1);
            CmuDict.Entry t = entries.get(i);
            entries.set(i, entries.get(j));
            entries.set(j, t);
        }
        int tests = Math.min(testSize, entries.size() / 2);
        List<CmuDict.Entry> test = entries.subList(0, tests);
        List<CmuDict.Entry> train = entries.subList(tests, Math.min(entries.size(), tests + trainSize));
        List<String> phonemes = new ArrayList<>(new TreeSet<>(entries.stream().flatMap(e -> e.phonemes().stream()).toList()));
        Map<String, Integer> phonemeIds = new HashMap<>();
        for (int i = 0; i < phonemes.size(); i++) {
            phonemeIds.put(phonemes.get(i), FIRST_PHONEME + i);
        }
        System.out.printf("translate: CMUdict (%s@%s), %d words of 2..%d letters, %d phonemes; %d training and %d held-out words%n",
                CmuDict.PACKAGE, CmuDict.VERSION, entries.size(), maxLetters, phonemes.size(), train.size(), test.size());
        int[][] trainSrc = letters(train), trainTgt = targets(train, phonemeIds);
        int[][] testSrc = letters(test);
        List<List<String>> testRef = test.stream().map(CmuDict.Entry::phonemes).toList();

        CellType cellType = CellType.fromId(cell);
        Seq2SeqConfig config = new Seq2SeqConfig(cellType, 26, FIRST_PHONEME + phonemes.size(), embedding, hidden, 1, true,
                BOS, EOS, options.seed());
        ExperimentReport report = new ExperimentReport("translate", options)
                .setting("data", CmuDict.PACKAGE + "@" + CmuDict.VERSION).setting("task", "grapheme-to-phoneme (stress removed)")
                .setting("train_words", train.size()).setting("test_words", test.size()).setting("cell", cellType.id())
                .setting("encoder", "bidirectional, H=" + hidden).setting("decoder_hidden", 2 * hidden)
                .setting("attention", "Luong general (multiplicative), input feeding").setting("embedding", embedding)
                .setting("batch", batch).setting("lr", lr).setting("beam", beam).setting("alpha", alpha);
        long trainNanos = options.budget().toNanos() * 8 / 10;          // the rest: decoding the held-out words twice
        List<List<String>> rows = new ArrayList<>();
        Baseline baseline = Baseline.fit(train);
        Score base = score(testRef, test.stream().map(e -> baseline.apply(e.word())).toList());
        try (Seq2Seq model = Seq2Seq.create(config);
             Adam adam = new Adam(model.kernels(), model.parameters(), model.gradients(), lr);
             Seq2SeqDecoder greedyDecoder = model.decoder(maxLetters, 1);
             Seq2SeqDecoder beamDecoder = model.decoder(maxLetters, beam)) {
            long trainStart = System.nanoTime();
            // batches of words of one spelling length (one pass per (letters, longest target) shape, made when first needed),
            // so the decoder does not step through the padding of the longest word in the set
            Map<Integer, Seq2SeqPass> passes = new HashMap<>();
            List<int[]> batches = new ArrayList<>();
            int[][] src = new int[batch][], tgt = new int[batch][];
            int steps = 0, next = 0;
            double loss, smooth = Double.NaN;
            try {
                while (System.nanoTime() - trainStart < trainNanos) {
                    if (next == batches.size()) {                        // a new epoch: reshuffle the buckets and the batch order
                        batches = epoch(trainSrc, batch, random);
                        next = 0;
                    }
                    int[] members = batches.get(next++);
                    int letters = 0, longest = 0;
                    for (int b = 0; b < batch; b++) {
                        src[b] = trainSrc[members[b]];
                        tgt[b] = trainTgt[members[b]];
                        letters = Math.max(letters, src[b].length);
                        longest = Math.max(longest, tgt[b].length);
                    }
                    int l = letters, t = longest;
                    Seq2SeqPass pass = passes.computeIfAbsent(l * 1000 + t, k -> model.pass(l, t, batch));
                    loss = pass.trainStep(src, tgt, adam, 5);
                    smooth = Double.isNaN(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
                    if (++steps % 200 == 0) {
                        System.out.printf("  step %5d  %6.1f s  loss %.3f%n", steps, (System.nanoTime() - trainStart) / 1e9, smooth);
                    }
                }
            } finally {
                passes.values().forEach(Seq2SeqPass::close);
            }
            double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
            double epochs = (double) steps * batch / train.size();
            System.out.printf("trained %d steps (%.2f epochs) in %.1f s, loss %.3f%n", steps, epochs, trainSeconds, smooth);
            List<List<String>> greedy = new ArrayList<>(), beamed = new ArrayList<>();
            List<Translation> greedyRaw = new ArrayList<>();
            long decodeStart = System.nanoTime();
            for (int[] word : testSrc) {
                Translation t = greedyDecoder.greedy(word, maxPhonemes + 1);
                greedyRaw.add(t);
                greedy.add(names(t.tokens(), phonemes));
            }
            double greedySeconds = (System.nanoTime() - decodeStart) / 1e9;
            decodeStart = System.nanoTime();
            for (int[] word : testSrc) {
                beamed.add(names(beamDecoder.beam(word, maxPhonemes + 1, alpha).tokens(), phonemes));
            }
            double beamSeconds = (System.nanoTime() - decodeStart) / 1e9;
            Score g = score(testRef, greedy), bm = score(testRef, beamed);
            String modelName = cellType.id() + " seq2seq + attention (bi H=" + hidden + ")";
            rows.add(row("letter-by-letter baseline", base, "-"));
            rows.add(row(modelName + ", greedy", g, String.format("%.1f", greedySeconds)));
            rows.add(row(modelName + ", beam " + beam + " (alpha " + alpha + ")", bm, String.format("%.1f", beamSeconds)));
            report.setting("train_steps", steps).setting("train_epochs", Math.round(epochs * 100) / 100.0)
                    .setting("train_seconds", Math.round(trainSeconds * 10) / 10.0).setting("final_loss", Math.round(smooth * 1000) / 1000.0);
            report.table("Held-out words (" + test.size() + "): phoneme error rate and word accuracy",
                    List.of("model", "PER", "word accuracy", "decode seconds"), rows);
            List<List<String>> samples = new ArrayList<>();
            for (int i = 0; i < Math.min(12, test.size()); i++) {
                samples.add(List.of(test.get(i).word(), String.join(" ", testRef.get(i)), String.join(" ", greedy.get(i)),
                        String.join(" ", beamed.get(i)), String.join(" ", baseline.apply(test.get(i).word()))));
            }
            report.table("Sample held-out words", List.of("word", "CMUdict", "greedy", "beam", "baseline"), samples);
            java.nio.file.Files.createDirectories(options.outputDirectory());
            Path png = options.outputDirectory().resolve("translate-attention.png");
            List<Integer> shown = pick(test, greedy, testRef);
            List<float[][]> matrices = new ArrayList<>();
            List<String> words = new ArrayList<>();
            List<List<String>> outs = new ArrayList<>();
            for (int i : shown) {
                matrices.add(greedyRaw.get(i).attention());
                words.add(test.get(i).word());
                List<String> out = new ArrayList<>(greedy.get(i));
                if (greedyRaw.get(i).ended()) {
                    out.add("</s>");
                }
                outs.add(out);
            }
            attentionPng(png, words, outs, matrices);
            report.figure(png);
            // the trained model, its token ids named: source id = letter - 'a', target ids from FIRST_PHONEME on
            Path modelFile = options.outputDirectory().resolve("translate.safetensors");
            Seq2SeqFile.save(modelFile, model, Map.of("translate.source_tokens", "a-z", "translate.target_tokens",
                    "bos=" + BOS + " eos=" + EOS + " from " + FIRST_PHONEME + ": " + String.join(" ", phonemes)));
            System.out.println("model: " + modelFile);
        }
        report.print(System.out);
        System.out.println("results: " + report.writeJson(options.outputDirectory()));
        System.out.printf("total %.1f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /**
     * One epoch's batches: the words grouped by spelling length, each group shuffled and cut into
     * batches of {@code batch} (a group's last partial batch is filled from its start), the batch order shuffled.
     */
    static List<int[]> epoch(int[][] sources, int batch, SplittableRandom random) {
        Map<Integer, List<Integer>> groups = new java.util.TreeMap<>();
        for (int i = 0; i < sources.length; i++) {
            groups.computeIfAbsent(sources[i].length, k -> new ArrayList<>()).add(i);
        }
        List<int[]> out = new ArrayList<>();
        for (List<Integer> g : groups.values()) {
            for (int i = g.size() - 1; i > 0; i--) {
                java.util.Collections.swap(g, i, random.nextInt(i + 1));
            }
            for (int from = 0; from < g.size(); from += batch) {
                int[] members = new int[batch];
                for (int b = 0; b < batch; b++) {
                    members[b] = g.get((from + b) % g.size());
                }
                out.add(members);
            }
        }
        for (int i = out.size() - 1; i > 0; i--) {
            java.util.Collections.swap(out, i, random.nextInt(i + 1));
        }
        return out;
    }

    private static List<String> row(String name, Score s, String seconds) {
        return List.of(name, String.format("%.1f%%", 100 * s.per()), String.format("%.1f%%", 100 * s.wordAccuracy()), seconds);
    }

    /** Phoneme error rate (summed edit distance / summed reference length) and the share of words exactly right. */
    record Score(double per, double wordAccuracy) {}

    static Score score(List<List<String>> reference, List<List<String>> hypothesis) {
        long edits = 0, total = 0, exact = 0;
        for (int i = 0; i < reference.size(); i++) {
            String[] r = reference.get(i).toArray(new String[0]), h = hypothesis.get(i).toArray(new String[0]);
            edits += editDistance(r, h);
            total += r.length;
            exact += Arrays.equals(r, h) ? 1 : 0;
        }
        return new Score((double) edits / total, (double) exact / reference.size());
    }

    static int editDistance(String[] a, String[] b) {
        Map<String, Integer> ids = new HashMap<>();
        int[] x = new int[a.length], y = new int[b.length];
        for (int i = 0; i < a.length; i++) {
            x[i] = ids.computeIfAbsent(a[i], k -> ids.size());
        }
        for (int i = 0; i < b.length; i++) {
            y[i] = ids.computeIfAbsent(b[i], k -> ids.size());
        }
        return EditDistance.between(x, y);
    }

    static int[][] letters(List<CmuDict.Entry> entries) {
        int[][] out = new int[entries.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = entries.get(i).word().chars().map(ch -> ch - 'a').toArray();
        }
        return out;
    }

    static int[][] targets(List<CmuDict.Entry> entries, Map<String, Integer> ids) {
        int[][] out = new int[entries.size()][];
        for (int i = 0; i < out.length; i++) {
            List<String> p = entries.get(i).phonemes();
            out[i] = new int[p.size() + 1];
            for (int k = 0; k < p.size(); k++) {
                out[i][k] = ids.get(p.get(k));
            }
            out[i][p.size()] = EOS;
        }
        return out;
    }

    static List<String> names(int[] tokens, List<String> phonemes) {
        List<String> out = new ArrayList<>();
        for (int t : tokens) {
            out.add(t >= FIRST_PHONEME ? phonemes.get(t - FIRST_PHONEME) : t == BOS ? "<s>" : "<pad>");
        }
        return out;
    }

    /** Up to three held-out words to draw: the first ones of 6+ letters decoded right, else any. */
    private static List<Integer> pick(List<CmuDict.Entry> test, List<List<String>> greedy, List<List<String>> ref) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < test.size() && out.size() < 3; i++) {
            if (test.get(i).word().length() >= 6 && greedy.get(i).equals(ref.get(i))) {
                out.add(i);
            }
        }
        for (int i = 0; i < test.size() && out.size() < 3; i++) {
            if (!out.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** Each letter read as the phoneme it most often stands for at the same position in equal-length training pairs. */
    record Baseline(Map<Character, String> map) {
        static Baseline fit(List<CmuDict.Entry> train) {
            Map<Character, Map<String, Integer>> counts = new HashMap<>();
            for (CmuDict.Entry e : train) {
                if (e.word().length() == e.phonemes().size()) {
                    for (int i = 0; i < e.word().length(); i++) {
                        counts.computeIfAbsent(e.word().charAt(i), k -> new HashMap<>()).merge(e.phonemes().get(i), 1, Integer::sum);
                    }
                }
            }
            Map<Character, String> map = new HashMap<>();
            counts.forEach((letter, c) -> map.put(letter, c.entrySet().stream()
                    .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey())).orElseThrow().getKey()));
            return new Baseline(map);
        }

        List<String> apply(String word) {
            List<String> out = new ArrayList<>();
            for (char ch : word.toCharArray()) {
                String p = map.get(ch);
                if (p != null) {
                    out.add(p);
                }
            }
            return out;
        }
    }

    /** The attention matrices (output phonemes down, letters across; darker = more weight), one panel per word. */
    static void attentionPng(Path file, List<String> words, List<List<String>> outputs, List<float[][]> matrices) throws IOException {
        int cell = 28, left = 60, top = 40, gap = 40;
        int width = left, height = 0;
        for (int i = 0; i < words.size(); i++) {
            width += words.get(i).length() * cell + gap + left;
            height = Math.max(height, top + matrices.get(i).length * cell + 20);
        }
        BufferedImage image = new BufferedImage(width, Math.max(height, 100), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x0 = left;
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            float[][] a = matrices.get(i);
            for (int s = 0; s < word.length(); s++) {
                g.setColor(Color.BLACK);
                g.drawString(String.valueOf(word.charAt(s)), x0 + s * cell + cell / 2 - 4, top - 8);
            }
            for (int t = 0; t < a.length; t++) {
                g.setColor(Color.BLACK);
                String label = t < outputs.get(i).size() ? outputs.get(i).get(t) : "";
                g.drawString(label, x0 - g.getFontMetrics().stringWidth(label) - 6, top + t * cell + cell / 2 + 5);
                for (int s = 0; s < word.length() && s < a[t].length; s++) {
                    int v = 255 - Math.round(255 * Math.max(0, Math.min(1, a[t][s])));
                    g.setColor(new Color(v, v, 255));
                    g.fillRect(x0 + s * cell, top + t * cell, cell - 1, cell - 1);
                }
            }
            x0 += word.length() * cell + gap + left;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }
}
