package dev.panamarnn.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream that fails with an {@link IOException} naming the input once more than a limit
 * of bytes has been read from it, so a reader never holds more than that: the size check of a
 * file read from a stream or decompressed (where the file's own size bounds nothing).
 */
final class BoundedInput extends FilterInputStream {
    private final long limit;
    private final String name;
    private final String what;
    private long count;

    /** @param what what the limit is for, e.g. "CSV text", in the message */
    BoundedInput(InputStream in, long limit, String name, String what) {
        super(in);
        this.limit = limit;
        this.name = name;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        counted(skipped);
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void counted(long n) throws IOException {
        count += n;
        if (count > limit) {
            throw new IOException(name + " has more than " + limit + " bytes of " + what + " (" + (limit >> 20)
                    + " MiB, the limit for reading it into memory)");
        }
    }
}
