package dev.panamarnn.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The HTTP front of a {@link StreamRegistry}, on the JDK's own server (com.sun.net.httpserver) with
 * one virtual thread per exchange. Routes:
 * <ul>
 * <li>{@code POST /streams/{id}} with an event (comma-separated floats) in the body: 200 with the
 *     model's outputs (comma-separated floats) and header {@code X-Stream-Events} (events applied to
 *     the stream so far); 400 for a malformed event or id, 413 for a body over 64 KiB, 503 with
 *     {@code Retry-After} when the service is at capacity — the event was then not applied.</li>
 * <li>{@code GET /streams/{id}}: 200 with the stream's event count, 404 for an unknown id.</li>
 * <li>{@code GET /stats} ({@code ?gc=true}: heap measured after a full collection): counters, one
 *     {@code name value} per line.</li>
 * </ul>
 * An event whose body arrived whole is applied even if the client leaves before the answer; one
 * cut short is not.
 */
final class StepServer implements AutoCloseable {
    static final String STREAMS = "/streams/";
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final long STEP_TIMEOUT_SECONDS = 30;

    private final StreamRegistry registry;
    private final JvmStats jvm = new JvmStats();
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();

    /** Starts serving on {@code address} (port 0: an ephemeral port, see {@link #port()}). */
    StepServer(StreamRegistry registry, InetSocketAddress address) throws IOException {
        // TCP_NODELAY on the server's sockets (read once, when the JDK server's configuration loads): the server writes
        // the headers and the body apart, and without it Nagle's algorithm holds the body back until the client's
        // delayed ACK, up to 40 ms per answer on Linux
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.registry = registry;
        this.server = HttpServer.create(address, 1024);
        server.createContext(STREAMS, this::stream);
        server.createContext("/stats", this::stats);
        server.setExecutor(handlers);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void stream(HttpExchange exchange) {
        try (exchange) {
            String id = exchange.getRequestURI().getRawPath().substring(STREAMS.length());
            try {
                if (!CLIENT_ID.matcher(id).matches()) {
                    throw new BadRequestException("the stream id must be 1 to 64 of [A-Za-z0-9._-], got '"
                            + (id.length() > 80 ? id.substring(0, 80) + "...' (" + id.length() + " characters)" : id + "'"));
                }
                switch (exchange.getRequestMethod()) {
                    case "POST" -> step(exchange, id);
                    case "GET" -> count(exchange, id);
                    default -> throw new BadRequestException(405, "use POST to send an event or GET to read the count, not "
                            + exchange.getRequestMethod());
                }
            } catch (BadRequestException e) {
                respond(exchange, e.status(), e.getMessage());
            } catch (OverloadedException e) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                respond(exchange, 503, e.getMessage());
            } catch (RuntimeException | ExecutionException | TimeoutException e) {
                respond(exchange, 500, "the step failed: " + e);
            }
        } catch (IOException | InterruptedException e) {
            // the client went away (mid-request or before the answer): nothing to answer
        }
    }

    private void step(HttpExchange exchange, String id) throws IOException, BadRequestException, OverloadedException,
            InterruptedException, ExecutionException, TimeoutException {
        float[] event = EventCodec.parse(body(exchange), registry.model().inputSize());
        StreamRegistry.Result result = registry.step(id, event).get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        exchange.getResponseHeaders().set("X-Stream-Events", Long.toString(result.events()));
        respond(exchange, 200, EventCodec.format(result.output()));
    }

    private void count(HttpExchange exchange, String id) throws IOException, BadRequestException {
        long events = registry.events(id);
        if (events < 0) {
            throw new BadRequestException(404, "no stream '" + id + "'");
        }
        respond(exchange, 200, events + "\n");
    }

    /** The request body as text; at most MAX_BODY_BYTES. An IOException when the client cut it short. */
    private static String body(HttpExchange exchange) throws IOException, BadRequestException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new BadRequestException(413, "the event is larger than " + MAX_BODY_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private void stats(HttpExchange exchange) {
        try (exchange) {
            boolean gc = "gc=true".equals(exchange.getRequestURI().getRawQuery());
            RegistryStats s = registry.stats();
            String text = "streams " + s.streams() + "\nlive " + s.live() + "\nstates_created " + s.statesCreated()
                    + "\nin_flight " + s.inFlight() + "\nsteps " + s.steps() + "\nbatches " + s.batches()
                    + "\nevictions " + s.evictions() + "\nrestores " + s.restores() + "\nrejected " + s.rejected()
                    + "\nheap_used " + JvmStats.heapUsed(gc) + "\noff_heap_other " + JvmStats.offHeapOther()
                    + "\ngc_pauses " + jvm.pauses() + "\ngc_pause_ms " + jvm.pauseMillis()
                    + "\ngc_longest_pause_ms " + jvm.longestPauseMillis() + "\n";
            respond(exchange, 200, text);
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = (text.endsWith("\n") ? text : text + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting connections (waiting at most a second for exchanges in progress); the registry stays open. */
    @Override
    public void close() {
        server.stop(1);
        handlers.shutdownNow();
    }
}
