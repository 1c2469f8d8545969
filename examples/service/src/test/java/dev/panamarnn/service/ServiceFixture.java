package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.CellType;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real service on an ephemeral loopback port over a small whole model (3 features normalised, a
 * 1-layer LSTM of 16, a regression head of 2 per step, seeded), an HTTP client, and the reference:
 * the same events stepped on a {@link StreamState} of the same model directly.
 */
final class ServiceFixture implements AutoCloseable {
    static final int FEATURES = 3;
    static final int HIDDEN = 16;
    /** InferTesting's tolerance for batched against single-stream steps (I + H = 19, the stack and the head). */
    static final double TOLERANCE = 16 * Math.ulp(1f) * (2 + Math.sqrt(FEATURES + HIDDEN)) * 2;

    final InferenceModel model;
    final StreamRegistry registry;
    final StepServer server;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    /** On the service's default transport, epoll. */
    ServiceFixture(ServiceSettings settings) throws Exception {
        this(settings, Transport.EPOLL);
    }

    ServiceFixture(ServiceSettings settings, Transport transport) throws Exception {
        try (SequenceModel trained = SequenceModel.builder().features(FEATURES)
                .normalise(new float[] {0.5f, -1f, 2f}, new float[] {2f, 0.5f, 3f}).cell(CellType.LSTM).hidden(HIDDEN)
                .regress(2).output(OutputMode.PER_STEP).seed(11).build()) {
            model = InferenceModel.of(trained);
        }
        registry = new StreamRegistry(model, settings);
        server = new StepServer(registry, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, transport);
        base = "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.port();
    }

    static ServiceSettings small() {
        return new ServiceSettings(1000, 128, 256, 32, Duration.ofSeconds(30), null);
    }

    /** Seeded events, (count, FEATURES). */
    static float[][] events(long seed, int count) {
        Random random = new Random(seed);
        float[][] x = new float[count][FEATURES];
        for (float[] row : x) {
            for (int f = 0; f < FEATURES; f++) {
                row[f] = (float) (random.nextGaussian() * 2);
            }
        }
        return x;
    }

    static String body(float[] event) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < event.length; i++) {
            b.append(i == 0 ? "" : ",").append(event[i]);
        }
        return b.toString();
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    HttpResponse<String> post(String id, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(StepServer.STREAMS + id)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs the event and returns the outputs of a 200 answer (fails on any other). */
    float[] step(String id, float[] event) throws Exception {
        HttpResponse<String> r = post(id, body(event));
        assertEquals(200, r.statusCode(), () -> "stream " + id + ": " + r.body());
        return parse(r.body());
    }

    static float[] parse(String text) {
        String[] fields = text.strip().split(",");
        float[] out = new float[fields.length];
        for (int i = 0; i < fields.length; i++) {
            out[i] = Float.parseFloat(fields[i]);
        }
        return out;
    }

    /** The outputs of stepping {@code events} in order on a fresh stream of the model, one per event. */
    List<float[]> reference(List<float[]> events) {
        List<float[]> out = new ArrayList<>();
        try (StreamState direct = model.newStream()) {
            for (float[] e : events) {
                out.add(direct.step(e));
            }
        }
        return out;
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": output width");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= TOLERANCE * (1 + Math.abs(expected[i])))) {
                fail(what + ": output " + i + " expected " + expected[i] + ", got " + actual[i] + " (tolerance " + TOLERANCE + ")");
            }
        }
    }

    long events(String id) throws Exception {
        HttpResponse<String> r = get(StepServer.STREAMS + id);
        return r.statusCode() == 404 ? -1 : Long.parseLong(r.body().strip());
    }

    /** Waits up to 30 s for the latch (an interrupt ends the wait and stays set). */
    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        client.close();
        server.close();
        registry.close();
        model.close();
    }
}
