package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed requests, a burst ten times the queue and clients that disconnect get an error or
 * backpressure, and no stream's state is lost, changed or crossed with another's.
 */
@Timeout(60)
class ServiceRobustnessTest {

    /** Sends {@code events} to {@code id} and records them as applied. */
    private static void warm(ServiceFixture service, String id, float[][] events, List<float[]> applied) throws Exception {
        for (float[] e : events) {
            service.step(id, e);
            applied.add(e);
        }
    }

    /** The next event of {@code id} answers what a direct stream gives after exactly {@code applied}, and the count matches. */
    private static void assertIntact(ServiceFixture service, String id, List<float[]> applied, float[] next) throws Exception {
        assertEquals(applied.size(), service.events(id), id + ": events applied");
        List<float[]> withNext = new ArrayList<>(applied);
        withNext.add(next);
        ServiceFixture.assertClose(service.reference(withNext).getLast(), service.step(id, next), id + " after the faults");
        applied.add(next);
    }

    @Test
    void malformedRequestsAreRefusedAndChangeNothing() throws Exception {
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small())) {
            List<float[]> applied = new ArrayList<>();
            warm(service, "m", ServiceFixture.events(1, 3), applied);
            String[][] cases = {
                {"1,2", "the event must have 3 numbers, got 2"},
                {"1,2,3,4", "the event must have 3 numbers, got 4"},
                {"1,NaN,2", "number 1 is NaN: events must be finite"},
                {"1,2,-Infinity", "number 2 is -Infinity: events must be finite"},
                {"1,abc,2", "number 1 is not a number: 'abc'"},
                {"1,,2", "number 1 is empty"},
                {"", "the event is empty: expected 3 comma-separated numbers"},
                {"1,\u001b[31m,2", "number 1 is not a number: '\\u001b[31m'"},
            };
            for (String[] c : cases) {
                HttpResponse<String> r = service.post("m", c[0]);
                assertEquals(400, r.statusCode(), c[0] + ": " + r.body());
                assertEquals(c[1], r.body().strip(), "the message for '" + c[0] + "'");
            }
            HttpResponse<String> big = service.post("m", "1".repeat(70_000));
            assertEquals(413, big.statusCode(), big.body());
            HttpResponse<String> badId = service.post("bad!id", "1,2,3");
            assertEquals(400, badId.statusCode(), badId.body());
            assertTrue(badId.body().contains("the stream id must be 1 to 64 of [A-Za-z0-9._-]"), badId.body());
            HttpResponse<String> put = service.client.send(HttpRequest.newBuilder(service.uri(StepServer.STREAMS + "m"))
                    .PUT(HttpRequest.BodyPublishers.ofString("1,2,3")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, put.statusCode(), put.body());
            assertEquals(404, service.get(StepServer.STREAMS + "never-seen").statusCode());
            assertIntact(service, "m", applied, ServiceFixture.events(2, 1)[0]);
        }
    }

    @Test
    void aBurstTenTimesTheQueueGets503AndLosesNoState() throws Exception {
        int queue = 8;
        int burst = 10 * queue;
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small().withQueueCapacity(queue))) {
            List<List<float[]>> applied = new ArrayList<>();
            for (int s = 0; s < burst + 4; s++) {       // the burst's streams, and 4 that stay out of it
                applied.add(new ArrayList<>());
                warm(service, "b" + s, ServiceFixture.events(10 + s, 3), applied.get(s));
            }
            // hold the batcher's worker: a step's dependent stage runs on the worker when attached before the step completes,
            // which the stream's monitor guarantees (the step's completion takes it)
            CountDownLatch release = new CountDownLatch(1);
            ClientStream gate = service.registry.find("b0");
            synchronized (gate) {
                service.registry.step("b0", ServiceFixture.events(99, 1)[0]).thenRun(() -> ServiceFixture.awaitQuietly(release));
            }
            applied.get(0).add(ServiceFixture.events(99, 1)[0]);
            float[][] burstEvents = ServiceFixture.events(7, burst);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int s = 0; s < burst; s++) {
                answers.add(service.client.sendAsync(HttpRequest.newBuilder(service.uri(StepServer.STREAMS + "b" + s))
                        .POST(HttpRequest.BodyPublishers.ofString(ServiceFixture.body(burstEvents[s]))).build(), HttpResponse.BodyHandlers.ofString()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (answers.stream().filter(CompletableFuture::isDone).count() < burst - queue && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            release.countDown();
            int refused = 0;
            for (int s = 0; s < burst; s++) {
                HttpResponse<String> r = answers.get(s).get(30, TimeUnit.SECONDS);
                if (r.statusCode() == 503) {
                    refused++;
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""), "Retry-After");
                    assertTrue(r.body().startsWith("the service's queue is full: " + queue + " events are waiting"), r.body());
                } else {
                    assertEquals(200, r.statusCode(), r.body());
                    applied.get(s).add(burstEvents[s]);
                }
            }
            assertEquals(burst - queue, refused, "exactly the events beyond the queue were refused");
            float[][] next = ServiceFixture.events(8, burst + 4);
            for (int s = 0; s < burst + 4; s++) {
                assertIntact(service, "b" + s, applied.get(s), next[s]);
            }
        }
    }

    @Test
    void clientsThatDisconnectLeaveEveryStreamIntact() throws Exception {
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small())) {
            List<float[]> cut = new ArrayList<>();
            List<float[]> gone = new ArrayList<>();
            List<float[]> other = new ArrayList<>();
            warm(service, "cut", ServiceFixture.events(21, 2), cut);
            warm(service, "gone", ServiceFixture.events(22, 2), gone);
            warm(service, "other", ServiceFixture.events(23, 2), other);
            float[] whole = ServiceFixture.events(24, 1)[0];
            for (int i = 0; i < 20; i++) {
                // the body cut short: the connection closes after 3 of the 100 bytes announced
                rawRequest(service, "cut", 100, "0.5");
            }
            // a whole request, then the client leaves before the answer: the event is applied
            String body = ServiceFixture.body(whole);
            rawRequest(service, "gone", body.getBytes(StandardCharsets.US_ASCII).length, body);
            gone.add(whole);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (service.events("gone") < gone.size() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            float[][] next = ServiceFixture.events(25, 3);
            assertIntact(service, "cut", cut, next[0]);
            assertIntact(service, "gone", gone, next[1]);
            assertIntact(service, "other", other, next[2]);
            assertEquals(0, service.registry.stats().inFlight());
        }
    }

    @Test
    void aClientStalledMidRequestIsDisconnected() throws Exception {
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             StepServer strict = new StepServer(service.registry, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1,
                     Duration.ofMillis(300));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), strict.port())) {
            List<float[]> applied = new ArrayList<>();
            warm(service, "stalled", ServiceFixture.events(41, 2), applied);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST " + StepServer.STREAMS + "stalled HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0.5")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, socket.getInputStream().read(), "the server closes the stalled connection without an answer");
            assertIntact(service, "stalled", applied, ServiceFixture.events(42, 1)[0]);
        }
    }

    /**
     * A client that sends a whole oversized body before it reads gets its 413: the server reads
     * and ignores the rest instead of closing with unread bytes (which resets the connection, so the
     * client's writes or its read of the answer would fail), then ends the connection.
     */
    @Test
    void aClientStillSendingAnOversizedBodyReadsIts413() throws Exception {
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            List<float[]> applied = new ArrayList<>();
            warm(service, "big", ServiceFixture.events(51, 2), applied);
            socket.setSoTimeout(10_000);
            int length = 4 << 20;                          // more than the socket buffers hold: the server must read it
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + StepServer.STREAMS + "big HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = "1,".repeat(32 << 10).getBytes(StandardCharsets.US_ASCII);
            for (int sent = 0; sent < length; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, length - sent));
            }
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.contains("the request body is over " + StepServer.MAX_BODY_BYTES + " bytes"), answer);
            assertIntact(service, "big", applied, ServiceFixture.events(52, 1)[0]);
        }
    }

    /** Writes a POST announcing {@code contentLength} bytes, then {@code body}, and closes the connection without reading. */
    private static void rawRequest(ServiceFixture service, String id, int contentLength, String body) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + StepServer.STREAMS + id + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + contentLength
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }
}
