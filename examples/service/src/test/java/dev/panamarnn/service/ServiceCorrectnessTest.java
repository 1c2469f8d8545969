package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/** The service's outputs equal stepping each stream's events directly, with and without eviction. */
@Timeout(60)
class ServiceCorrectnessTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void concurrentStreamsGiveTheDirectOutputs(Transport transport) throws Exception {
        int streams = 24;
        int steps = 20;
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small(), transport);
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

    @ParameterizedTest
    @EnumSource(Transport.class)
    void pipelinedRequestsAreAnsweredInOrder(Transport transport) throws Exception {
        int steps = 6;
        float[][] events = ServiceFixture.events(31, steps);
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small(), transport);
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            // every request in one write, so the server reads them together: each event followed by a malformed one,
            // whose 400 the server could write at once, before the event's answer, if it did not keep the order
            StringBuilder requests = new StringBuilder();
            for (float[] e : events) {
                for (String body : new String[] {ServiceFixture.body(e), "x"}) {
                    requests.append(RawResponse.post("piped", body));
                }
            }
            socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            List<float[]> expected = service.reference(Arrays.asList(events));
            for (int t = 0; t < steps; t++) {
                RawResponse step = RawResponse.read(in);
                assertEquals("HTTP/1.1 200 OK", step.status(), "answer to event " + t + ": " + step.body());
                assertEquals(Integer.toString(t + 1), step.events(), "answer " + t + " is the stream's event " + (t + 1));
                ServiceFixture.assertClose(expected.get(t), ServiceFixture.parse(step.body()), "answer " + t);
                RawResponse refused = RawResponse.read(in);
                assertEquals("HTTP/1.1 400 Bad Request", refused.status(), "answer to the malformed request after event " + t);
                assertEquals("the event must have 3 numbers, got 1", refused.body().strip());
            }
        }
    }

    @Test
    void pipelinedStepsOfManyStreamsShareBatchesAndKeepTheirOrder() throws Exception {
        int streams = 16;
        int steps = 8;
        float[][][] events = new float[streams][][];
        for (int s = 0; s < streams; s++) {
            events[s] = ServiceFixture.events(100 + s, steps);
        }
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            // every stream's step t before any stream's step t + 1, all in one write: the server reads them together
            StringBuilder requests = new StringBuilder();
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < streams; s++) {
                    requests.append(RawResponse.post("many-" + s, ServiceFixture.body(events[s][t])));
                }
            }
            socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            List<List<float[]>> expected = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                expected.add(service.reference(Arrays.asList(events[s])));
            }
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < streams; s++) {
                    RawResponse a = RawResponse.read(in);
                    assertEquals("HTTP/1.1 200 OK", a.status(), "stream " + s + " step " + t + ": " + a.body());
                    assertEquals(Integer.toString(t + 1), a.events(), "stream " + s + " step " + t + ": the answers keep the requests' order");
                    ServiceFixture.assertClose(expected.get(s).get(t), ServiceFixture.parse(a.body()), "stream " + s + " step " + t);
                }
            }
            RegistryStats stats = service.registry.stats();
            assertEquals(streams * steps, stats.steps());
            // answered one at a time, each step would wait for the previous answer: as many batches as steps
            assertTrue(stats.batches() < stats.steps(), "one connection's pipelined steps shared batches: " + stats);
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
