package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service's --trace: each step's answer carries its stage times in order, inside the request's own
 * round trip (one clock in this process), with the same outputs as without tracing; without --trace no
 * answer carries them. The header's parser refuses what {@link StageTrace#format} does not write.
 */
@Timeout(60)
class StageTraceTest {

    @Test
    void tracedAnswersCarryTheirStagesInOrder() throws Exception {
        float[][] events = ServiceFixture.events(3, 6);
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small().withTrace(true))) {
            List<float[]> expected = service.reference(List.of(events));
            long[] stages = new long[StageTrace.VALUES];
            for (int t = 0; t < events.length; t++) {
                long before = System.nanoTime();
                HttpResponse<String> r = service.post("traced", ServiceFixture.body(events[t]));
                long after = System.nanoTime();
                assertEquals(200, r.statusCode(), r.body());
                ServiceFixture.assertClose(expected.get(t), ServiceFixture.parse(r.body()), "event " + t);
                String header = r.headers().firstValue(StageTrace.HEADER).orElseThrow();
                assertTrue(StageTrace.parse(header, stages), header);
                long previous = before;
                for (int s = 0; s < 6; s++) {          // read <= submitted <= collected <= computed <= drained <= written
                    assertTrue(previous <= stages[s], "stage " + s + " of " + header + " before the one ahead of it (" + previous + ")");
                    previous = stages[s];
                }
                assertTrue(stages[5] <= after, header + " ends after the answer arrived at " + after);
                assertEquals(1, stages[6], "one request at a time: batches of one step");
            }
        }
    }

    @Test
    void untracedAnswersCarryNoStages() throws Exception {
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small())) {
            HttpResponse<String> r = service.post("plain", ServiceFixture.body(ServiceFixture.events(4, 1)[0]));
            assertEquals(200, r.statusCode(), r.body());
            assertFalse(r.headers().firstValue(StageTrace.HEADER).isPresent());
        }
    }

    @Test
    void theHeaderRoundTripsAndMalformedValuesAreRefused() {
        StageTrace trace = new StageTrace();
        trace.read = 11;
        trace.submitted = 12;
        trace.collected = 130;
        trace.computed = 1400;
        trace.drained = 15000;
        trace.written = Long.MAX_VALUE - 1;
        trace.steps = 17;
        StringBuilder text = new StringBuilder();
        trace.format(text);
        long[] parsed = new long[StageTrace.VALUES];
        assertTrue(StageTrace.parse(text, parsed), text.toString());
        assertArrayEquals(new long[] {11, 12, 130, 1400, 15000, Long.MAX_VALUE - 1, 17}, parsed);
        List<String> bad = new ArrayList<>(List.of("", "1 2 3 4 5 6", "1 2 3 4 5 6 7 8", "1 2 3 4 5 6 x", "1  2 3 4 5 6 7",
                "-1 2 3 4 5 6 7", "1 2 3 4 5 6 99999999999999999999", " 1 2 3 4 5 6 7"));
        for (String value : bad) {
            assertFalse(StageTrace.parse(value, new long[StageTrace.VALUES]), "'" + value + "'");
        }
    }

    @Test
    void theGeneratorsQueueOfSendTimesIsFirstInFirstOut() {
        LongQueue queue = new LongQueue();
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 50; round++) {     // grows past its first ring while wrapped around
            for (int i = 0; i < 7 + round; i++) {
                queue.add(next++);
            }
            for (int i = 0; i < 5; i++) {
                assertEquals(expected++, queue.poll());
            }
        }
        while (queue.size() > 0) {
            assertEquals(expected++, queue.poll());
        }
        assertEquals(next, expected);
        assertEquals(Long.MIN_VALUE, queue.poll(), "empty");
    }
}
