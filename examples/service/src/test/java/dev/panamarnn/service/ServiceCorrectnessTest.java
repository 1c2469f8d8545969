package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The service's outputs equal stepping each stream's events directly, with and without eviction. */
@Timeout(60)
class ServiceCorrectnessTest {

    @Test
    void concurrentStreamsGiveTheDirectOutputs() throws Exception {
        int streams = 24;
        int steps = 20;
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<float[]>>> answers = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                String id = "client-" + s;
                float[][] events = ServiceFixture.events(s, steps);
                answers.add(clients.submit(() -> {
                    List<float[]> out = new ArrayList<>();
                    for (float[] e : events) {
                        out.add(service.step(id, e));
                    }
                    return out;
                }));
            }
            for (int s = 0; s < streams; s++) {
                List<float[]> expected = service.reference(Arrays.asList(ServiceFixture.events(s, steps)));
                List<float[]> actual = answers.get(s).get();
                for (int t = 0; t < steps; t++) {
                    ServiceFixture.assertClose(expected.get(t), actual.get(t), "stream " + s + " step " + t);
                }
                assertEquals(steps, service.events("client-" + s));
            }
            RegistryStats stats = service.registry.stats();
            assertEquals(streams * steps, stats.steps());
            assertTrue(stats.batches() < stats.steps(), "some steps shared a batch: " + stats);
        }
    }

    @Test
    void evictionAndRestoreEqualNeverEvicting() throws Exception {
        // evicted after 1 ms idle (the sweeper runs every millisecond): every stream is evicted between its events
        ServiceSettings settings = ServiceFixture.small().withIdleAfter(Duration.ofMillis(1));
        int streams = 4;
        int steps = 12;
        try (ServiceFixture service = new ServiceFixture(settings)) {
            float[][][] events = new float[streams][][];
            float[][][] actual = new float[streams][steps][];
            for (int s = 0; s < streams; s++) {
                events[s] = ServiceFixture.events(100 + s, steps);
            }
            for (int t = 0; t < steps; t++) {
                long evictions = service.registry.stats().evictions();
                for (int s = 0; s < streams; s++) {
                    actual[s][t] = service.step("evicted-" + s, events[s][t]);
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (service.registry.stats().evictions() < evictions + streams && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
            RegistryStats stats = service.registry.stats();
            assertTrue(stats.restores() >= (long) streams * (steps - 1), "every stream restored between its events: " + stats);
            for (int s = 0; s < streams; s++) {
                List<float[]> expected = service.reference(Arrays.asList(events[s]));
                for (int t = 0; t < steps; t++) {
                    // one request at a time: batches of one row, the same products as a direct step, so the same bits
                    assertArrayEquals(expected.get(t), actual[s][t], "stream " + s + " step " + t);
                }
            }
        }
    }
}
