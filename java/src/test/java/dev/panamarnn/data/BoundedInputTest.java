package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The one size bound of CSV text read into memory, the library's and the CLI's: exactly the limit
 * reads, one byte more fails naming the input, by read(), read(byte[]) or skip(); a small gzip file
 * that inflates past it is refused; a failing read names the input; a caller's bound on the text is
 * kept by the CSV readers (its message, naming the file the caller's way), not doubled.
 */
class BoundedInputTest {
    @Test
    void readsUpToTheLimitAndFailsOneBytePast() throws IOException {
        byte[] data = new byte[5000];
        assertEquals(5000, new BoundedInput(new ByteArrayInputStream(data), 5000, "in.csv", false).readAllBytes().length);
        InputStream bounded = new BoundedInput(new ByteArrayInputStream(data), 4999, "in.csv", false);
        IOException e = assertThrows(IOException.class, bounded::readAllBytes);
        assertEquals("in.csv holds more than 4.9 KiB (4999 bytes), the limit for reading it into memory", e.getMessage());
        InputStream byBytes = new BoundedInput(new ByteArrayInputStream(data), 10, "x", false);
        for (int i = 0; i < 10; i++) {
            byBytes.read();
        }
        assertThrows(IOException.class, byBytes::read);
        InputStream bySkips = new BoundedInput(new ByteArrayInputStream(data), 10, "x", false);
        assertThrows(IOException.class, () -> bySkips.skip(11));
    }

    @Test
    void aSmallGzipFileThatInflatesPastTheLimitIsRefused() throws IOException {
        byte[] gz = gzip(200_000);
        assertTrue(gz.length < 10_000, "the file is small: " + gz.length);
        InputStream inflated = new BoundedInput(new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gz)),
                100_000, "bomb.csv.gz", true);
        IOException e = assertThrows(IOException.class, inflated::readAllBytes);
        assertEquals("bomb.csv.gz holds more than 97.7 KiB (100000 bytes) once decompressed, the limit for reading it into memory",
                e.getMessage());
    }

    @Test
    void aFailingReadNamesTheInput() throws IOException {
        byte[] gz = gzip(100);
        InputStream cut = new BoundedInput(new java.util.zip.GZIPInputStream(new ByteArrayInputStream(Arrays.copyOf(gz, gz.length - 4))),
                1 << 20, "CSV file cut.csv.gz", true);
        IOException e = assertThrows(IOException.class, cut::readAllBytes);
        assertTrue(e.getMessage().startsWith("CSV file cut.csv.gz is not valid gzip data: "), e.getMessage());
    }

    @Test
    void theCsvReadersKeepACallersBoundAndItsMessage() throws IOException {
        byte[] csv = "id,x,y\n".concat("a,1,p\n".repeat(100)).getBytes(StandardCharsets.US_ASCII);
        InputStream callers = new BoundedInput(new ByteArrayInputStream(csv), 300, "CSV file my.csv", false);
        IOException e = assertThrows(IOException.class, () -> SequenceDataset.fromCsv(callers, "my.csv", CsvLayout.id("id").label("y")));
        assertEquals("CSV file my.csv holds more than 300 bytes, the limit for reading it into memory", e.getMessage());
        InputStream series = new BoundedInput(new ByteArrayInputStream("time,value\n1,2\n".repeat(40).getBytes(StandardCharsets.US_ASCII)),
                100, "CSV file s.csv", false);
        assertEquals("CSV file s.csv holds more than 100 bytes, the limit for reading it into memory",
                assertThrows(IOException.class, () -> TimeSeries.readCsv(series, "s.csv", "value")).getMessage());
        InputStream plain = new ByteArrayInputStream(csv);
        assertSame(callers, BoundedInput.atMost(callers, SequenceDataset.MAX_CSV_BYTES, "my.csv"));
        assertTrue(BoundedInput.atMost(plain, SequenceDataset.MAX_CSV_BYTES, "my.csv") instanceof BoundedInput);
        InputStream looser = new BoundedInput(plain, SequenceDataset.MAX_CSV_BYTES + 1, "big", false);
        assertTrue(BoundedInput.atMost(looser, SequenceDataset.MAX_CSV_BYTES, "my.csv") != looser, "a looser bound is bounded again");
    }

    private static byte[] gzip(int rows) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("id,x\n".getBytes());
            for (int i = 0; i < rows; i++) {
                out.write("a,1\n".getBytes());
            }
        }
        return gz.toByteArray();
    }
}
