package dev.panamarnn.examples.support;

import dev.panamarnn.data.BoundedInput;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TextCorpus;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Files a user names on the command line (--model, --csv, --corpus), opened the one way every
 * command uses: only a regular file (a FIFO or a device would block or never end), and CSV and text
 * of at most a stated size, counted after decompression (a gzip file's own size bounds nothing), so
 * a huge input is refused with its name instead of ending in an out-of-memory error (the library's
 * {@link BoundedInput}, which the library's CSV readers then keep instead of bounding again). Errors name the file.
 */
public final class UserFiles {
    /** The most a CSV file (--csv) may hold, decompressed: the library's bound, 256 MiB. */
    public static final long MAX_CSV_BYTES = SequenceDataset.MAX_CSV_BYTES;
    /** The most a text corpus (--corpus) may hold, decompressed: 256 MiB (its tokens take four times that). */
    public static final long MAX_TEXT_BYTES = 256L << 20;

    private UserFiles() {}

    /** {@code file}, if it is a regular file; {@code what} names it in the message ("model file"). */
    public static Path regularFile(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(what + " " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(what + " " + file + " is not a regular file (a directory, pipe or device); name a file");
        }
        return file;
    }

    /**
     * Proves the output directory {@code out} can be created and written without leaving anything
     * behind: its nearest existing ancestor (or itself) is a directory where a probe file can be
     * created and deleted; else an IOException naming it and {@code option}.
     */
    public static void requireWritableDirectory(Path out, String option) throws IOException {
        if (out.toString().isBlank()) {                       // "" is the working directory: a slip, not a choice
            throw new IOException(option + " is empty; name the output directory (\".\" for the working directory)");
        }
        Path existing = out.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            if (existing == null || !Files.isDirectory(existing)) {
                throw new IOException((existing == null ? "no existing parent" : existing + " is not a directory"));
            }
            Files.delete(Files.createTempFile(existing, ".rnn-write-probe", ".tmp"));
        } catch (IOException e) {
            throw new IOException("the output directory " + out + " is not writable (" + reason(e) + "); choose another with " + option, e);
        }
    }

    /** What failed, in words: the file system's reason (permission denied, read-only file system, ...), not only a path. */
    static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.NoSuchFileException n -> "no such directory";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
    }

    /**
     * {@code file} as a file to write: refused when it exists and is not a regular file (a directory,
     * pipe or device), or when it is one of {@code inputs} (null or absent ones are skipped), which
     * writing it would destroy; checked before the work, so a refused output costs nothing.
     */
    public static Path outputFile(Path file, String what, Path... inputs) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException(what + " " + file + " is not a regular file (a directory, pipe or device); name a file to write");
        }
        for (Path input : inputs) {
            if (input != null && Files.exists(file) && Files.exists(input) && Files.isSameFile(file, input)) {
                throw new IOException(what + " " + file + " is the input " + input + "; writing it would destroy it: name another file");
            }
        }
        return file;
    }

    /**
     * The content of a regular file, gunzipped when it starts with the gzip magic bytes, that fails
     * with a message naming the file once more than {@code limit} bytes were read (the size of an
     * uncompressed file is checked before reading); read errors (corrupt gzip data) name the file too.
     */
    public static InputStream open(Path file, String what, long limit) throws IOException {
        regularFile(file, what);
        long size = Files.size(file);
        if (size > limit) {
            throw new IOException(what + " " + file + " is " + BoundedInput.bytes(size) + "; the limit is " + BoundedInput.bytes(limit));
        }
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            in.mark(2);
            boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
            in.reset();
            InputStream content = in;
            if (gzip) {
                try {
                    content = new GZIPInputStream(in, 1 << 16);
                } catch (IOException e) {           // a bad header (ZipException) or none at all (EOFException)
                    throw new IOException(what + " " + file + " is not valid gzip data: " + e.getMessage(), e);
                }
            }
            return new BoundedInput(content, limit, what + " " + file, gzip);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The text of a corpus file (.gz too, whatever its name), at most {@link #MAX_TEXT_BYTES}. */
    public static String readText(Path file) throws IOException {
        try (InputStream in = open(file, "corpus file", MAX_TEXT_BYTES)) {
            return TextCorpus.readText(in, false, file.toString());
        }
    }
}
