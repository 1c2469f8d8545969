package dev.panamarnn.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * An input stream that fails with an {@link IOException} naming the input once more than a limit
 * of bytes has been read from it, so a reader never holds more than that: the size bound of a file
 * read from a stream or decompressed (where the file's own size bounds nothing). A read that fails
 * (corrupt gzip data, an I/O error) is an IOException naming the input too. The one size bound of
 * the library's CSV readers ({@link SequenceDataset#MAX_CSV_BYTES}) and of the command line's files.
 */
public final class BoundedInput extends FilterInputStream {
    private final long limit;
    private final String name;
    private final boolean decompressed;
    private long count;

    /**
     * @param in           the bytes, already decompressed when {@code decompressed}
     * @param limit        the most bytes that may be read (>= 0)
     * @param name         names the input in messages, e.g. "CSV file data.csv"
     * @param decompressed whether {@code in} inflates a gzip file: messages then say the limit counts
     *                     decompressed bytes, and a failing read that its data is not valid gzip data
     */
    public BoundedInput(InputStream in, long limit, String name, boolean decompressed) {
        super(in);
        if (in == null || name == null || limit < 0) {
            throw new IllegalArgumentException("a bounded input needs a stream, a name and a limit >= 0; got " + in + ", " + name + ", " + limit);
        }
        this.limit = limit;
        this.name = name;
        this.decompressed = decompressed;
    }

    /** {@code in} when it is already a BoundedInput of at most {@code limit} bytes (the caller's, naming the input its way), else {@code in} bounded. */
    static InputStream atMost(InputStream in, long limit, String name) {
        return bounds(in, limit) ? in : new BoundedInput(in, limit, name, false);
    }

    /** Whether {@code in} is a BoundedInput of at most {@code limit} bytes. */
    static boolean bounds(InputStream in, long limit) {
        return in instanceof BoundedInput bounded && bounded.limit <= limit;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n;
        try {                                                  // never more than one byte past the limit
            n = super.read(buffer, offset, (int) Math.min(length, limit + 1 - count));
        } catch (IOException e) {
            throw new IOException(name + (decompressed ? " is not valid gzip data: " : ": ") + e.getMessage(), e);
        }
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        int chunk = (int) Math.min(Math.max(n, 0), 8192);
        return Math.max(0, read(new byte[chunk], 0, chunk));
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void counted(long n) throws IOException {
        count += n;
        if (count > limit) {
            throw new IOException(name + " holds more than " + bytes(limit) + (decompressed ? " once decompressed" : "")
                    + ", the limit for reading it into memory");
        }
    }

    /** A size as the messages give it: 268435456 -> "256.0 MiB (268435456 bytes)"; below 1 KiB just the bytes. */
    public static String bytes(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double n = bytes;
        int u = -1;
        while (n >= 1024 && u < units.length - 1) {
            n /= 1024;
            u++;
        }
        return u < 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s (%d bytes)", n, units[u], bytes);
    }
}
