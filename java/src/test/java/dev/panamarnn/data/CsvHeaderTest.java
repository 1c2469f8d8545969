package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Header lines as editors write them: a UTF-8 byte order mark first, CRLF line ends, a column given twice. */
class CsvHeaderTest {
    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstColumnsName() throws IOException {
        TimeSeries series = TimeSeries.readCsv(stream("\uFEFFvalue,time\r\n1,0\r\n2,1\r\n"), "s.csv", "value");
        assertArrayEquals(new double[] {1, 2}, series.values());
        SequenceDataset data = SequenceDataset.fromCsv(stream("\uFEFFid,x,label\r\na,1,p\r\nb,2,q\r\n"), "d.csv",
                CsvLayout.id("id").label("label"));
        assertEquals(2, data.size());
        assertEquals(java.util.List.of("id", "x", "label"), SequenceCsv.header(stream("\uFEFFid,x,label\n"), "d.csv"));
    }

    @Test
    void aSeriesColumnGivenTwiceIsRefused() {
        IOException e = assertThrows(IOException.class, () -> TimeSeries.readCsv(stream("time,value,value\n1,2,3\n"), "s.csv", "value"));
        assertEquals("s.csv: column 'value' appears twice in the header, as fields 2 and 3", e.getMessage());
    }
}
