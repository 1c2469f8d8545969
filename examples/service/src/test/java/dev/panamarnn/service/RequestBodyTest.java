package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bodies as they arrive over TCP: a body in several writes (cut inside a number, and chunked) is one
 * event; a body over the limit is answered 413 in its place behind the answers still pending, and
 * the connection then closes.
 */
@Timeout(60)
class RequestBodyTest {

    @Test
    void aBodySplitAcrossWritesIsOneEvent() throws Exception {
        float[][] events = ServiceFixture.events(61, 3);
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            List<float[]> expected = service.reference(Arrays.asList(events));
            // Content-Length: the head, then the body cut in the middle of its second number
            String request = RawResponse.post("split", ServiceFixture.body(events[0]));
            int cut = request.indexOf("\r\n\r\n") + 4;
            int inNumber = request.indexOf(',', cut) + 3;
            writeInParts(out, request, cut, inNumber);
            assertStep(RawResponse.read(in), 1, expected.get(0));
            // chunked: the event in three chunks, each its own write
            String body = ServiceFixture.body(events[1]);
            String[] chunks = {body.substring(0, 2), body.substring(2, body.length() - 1), body.substring(body.length() - 1)};
            StringBuilder chunked = new StringBuilder("POST " + StepServer.STREAMS + "split HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            List<Integer> cuts = new ArrayList<>();
            for (String c : chunks) {
                chunked.append(Integer.toHexString(c.length())).append("\r\n").append(c).append("\r\n");
                cuts.add(chunked.length());
            }
            chunked.append("0\r\n\r\n");
            writeInParts(out, chunked.toString(), cuts.get(0), cuts.get(1), cuts.get(2));
            assertStep(RawResponse.read(in), 2, expected.get(1));
            // and a whole request after them on the same connection
            out.write(RawResponse.post("split", ServiceFixture.body(events[2])).getBytes(StandardCharsets.US_ASCII));
            assertStep(RawResponse.read(in), 3, expected.get(2));
        }
    }

    @Test
    void aBodyOverTheLimitIsAnswered413InOrderBehindPendingAnswers() throws Exception {
        float[] event = ServiceFixture.events(71, 1)[0];
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             Socket announced = new Socket(InetAddress.getLoopbackAddress(), service.server.port());
             Socket chunked = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            service.step("gate", ServiceFixture.events(72, 1)[0]);
            // hold the batcher's worker (as in ServiceRobustnessTest): the step's dependent stage runs on it
            CountDownLatch release = new CountDownLatch(1);
            synchronized (service.registry.find("gate")) {
                service.registry.step("gate", ServiceFixture.events(73, 1)[0]).thenRun(() -> ServiceFixture.awaitQuietly(release));
            }
            // an event, then a body announced over the limit, then an event that must not be applied
            announced.getOutputStream().write((RawResponse.post("first", ServiceFixture.body(event))
                    + "POST " + StepServer.STREAMS + "first HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + (StepServer.MAX_BODY_BYTES + 1) + "\r\n\r\n"
                    + RawResponse.post("first", ServiceFixture.body(event))).getBytes(StandardCharsets.US_ASCII));
            // an event, then a chunked body that grows over the limit
            String big = "1".repeat(StepServer.MAX_BODY_BYTES / 2 + 1);
            chunked.getOutputStream().write((RawResponse.post("second", ServiceFixture.body(event))
                    + "POST " + StepServer.STREAMS + "second HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + (Integer.toHexString(big.length()) + "\r\n" + big + "\r\n").repeat(2) + "0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // the held step counts as done (the worker blocks in its completion); the two events wait behind it
            while (service.registry.stats().inFlight() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertEquals(2, service.registry.stats().inFlight(), "both events wait behind the held step");
            Thread.sleep(200);                // both 413s decided while the steps' answers are pending
            release.countDown();
            float[] expected = service.reference(List.of(event)).getFirst();
            for (Socket socket : List.of(announced, chunked)) {
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
                assertStep(RawResponse.read(in), 1, expected);
                RawResponse refused = RawResponse.read(in);
                assertEquals("HTTP/1.1 413 Request Entity Too Large", refused.status(), refused.body());
                assertEquals("close", refused.connection());
                assertEquals("the request body is over " + StepServer.MAX_BODY_BYTES + " bytes", refused.body().strip());
                assertEquals(-1, in.read(), "the connection closes after the 413");
            }
            assertEquals(1, service.events("first"), "nothing after the 413 was applied");
            assertEquals(1, service.events("second"));
        }
    }

    @Test
    void eachPipelinedRequestIsReadWithItsOwnHeaders() throws Exception {
        float[][] events = ServiceFixture.events(81, 2);
        try (ServiceFixture service = new ServiceFixture(ServiceFixture.small());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.server.port())) {
            // the decoder fills one header map per connection: a chunked request's headers must not reach the next one
            String first = ServiceFixture.body(events[0]);
            String requests = "POST " + StepServer.STREAMS + "heads HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(first.length()) + "\r\n" + first + "\r\n0\r\n\r\n"
                    + RawResponse.post("heads", ServiceFixture.body(events[1])).replace("Host: localhost\r\n", "Host: localhost\r\nConnection: close\r\n");
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            List<float[]> expected = service.reference(Arrays.asList(events));
            RawResponse kept = RawResponse.read(in);
            assertStep(kept, 1, expected.get(0));
            assertEquals("keep-alive", kept.connection());
            RawResponse closed = RawResponse.read(in);
            assertStep(closed, 2, expected.get(1));
            assertEquals("close", closed.connection());
            assertEquals(-1, in.read(), "the connection closes after the request that asked for it");
        }
    }

    private static void assertStep(RawResponse r, long events, float[] expected) {
        assertEquals("HTTP/1.1 200 OK", r.status(), r.body());
        assertEquals(Long.toString(events), r.events());
        ServiceFixture.assertClose(expected, ServiceFixture.parse(r.body()), "event " + events);
    }

    /** Writes {@code text} in separate flushed writes cut at {@code cuts}, pausing between them so each arrives alone. */
    private static void writeInParts(OutputStream out, String text, int... cuts) throws Exception {
        int from = 0;
        for (int cut : cuts) {
            out.write(text.substring(from, cut).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(50);
            from = cut;
        }
        out.write(text.substring(from).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
