package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The size check of streamed and decompressed input: up to the limit everything reads, one byte
 * more (through any read method, or decompressed from a far smaller gzip file) is an IOException
 * naming the input and the limit.
 */
class BoundedInputTest {
    @Test
    void readsUpToTheLimitAndFailsOneBytePast() throws IOException {
        byte[] data = new byte[5000];
        assertEquals(5000, new BoundedInput(new ByteArrayInputStream(data), 5000, "in.csv", "CSV text").readAllBytes().length);
        InputStream bounded = new BoundedInput(new ByteArrayInputStream(data), 4999, "in.csv", "CSV text");
        IOException e = assertThrows(IOException.class, bounded::readAllBytes);
        assertTrue(e.getMessage().startsWith("in.csv has more than 4999 bytes of CSV text"), e.getMessage());
        InputStream byBytes = new BoundedInput(new ByteArrayInputStream(data), 10, "x", "CSV text");
        for (int i = 0; i < 10; i++) {
            byBytes.read();
        }
        assertThrows(IOException.class, byBytes::read);
        InputStream bySkips = new BoundedInput(new ByteArrayInputStream(data), 10, "x", "CSV text");
        assertThrows(IOException.class, () -> bySkips.skip(11));
    }

    @Test
    void aSmallGzipFileThatInflatesPastTheLimitIsRefused() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("id,x\n".getBytes());
            for (int i = 0; i < 200_000; i++) {
                out.write("a,1\n".getBytes());
            }
        }
        assertTrue(gz.size() < 10_000, "the file is small: " + gz.size());
        InputStream inflated = new BoundedInput(new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gz.toByteArray())),
                100_000, "bomb.csv.gz", "CSV text");
        IOException e = assertThrows(IOException.class, inflated::readAllBytes);
        assertTrue(e.getMessage().contains("bomb.csv.gz has more than 100000 bytes"), e.getMessage());
    }
}
