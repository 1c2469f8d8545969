package dev.panamarnn.cli;

import dev.panamarnn.examples.support.Plots;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Text files written whole or not at all: into a temporary file beside the target, then moved over it. */
final class AtomicFiles {
    private AtomicFiles() {}

    /** What writes the text. */
    interface Body {
        void write(Writer out) throws IOException;
    }

    static void write(Path file, Body body) throws IOException {
        try {
            writeAtomically(file.toAbsolutePath(), body);
        } catch (IOException e) {       // a bare path ("/proc/x.csv123.part") or "a -> b: Is a directory": say which file
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path absolute, Body body) throws IOException {
        if (absolute.getParent() != null) {
            Files.createDirectories(absolute.getParent());
        }
        Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".part");
        try {
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                body.write(out);
            }
            Plots.readableByAll(temp);
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
