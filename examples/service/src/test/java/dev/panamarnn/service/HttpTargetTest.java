package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The load generator's HTTP client: bursts pipelined on a few connections, every answer matched to its request. */
@Timeout(60)
class HttpTargetTest {

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"EPOLL", "NIO"})
    void everyEventIsAnsweredAndAppliedOnce(Transport transport) throws Exception {
        int streams = 50;
        int perStream = 20;
        int events = streams * perStream;
        float[] values = {0.25f, -1.5f, 3e-2f};
        InferenceModel model;
        try (SequenceModel trained = SequenceModel.builder().features(1).cell(CellType.LSTM).hidden(8).regress(1)
                .output(OutputMode.PER_STEP).seed(5).build()) {
            model = InferenceModel.of(trained);           // one float per event, as the generator sends
        }
        try (model; StreamRegistry registry = new StreamRegistry(model, ServiceFixture.small().withQueueCapacity(events).withTrace(true));   // no 503: every event fits
             StepServer server = new StepServer(registry, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, transport);
             HttpTarget target = new HttpTarget(server.port(), streams, values, 3, 1, transport)) {
            AtomicIntegerArray statuses = new AtomicIntegerArray(events);
            CountDownLatch answered = new CountDownLatch(events);
            for (int k = 0; k < events; k++) {
                int event = k;
                target.send(k % streams, k % values.length, (status, sent, stages) -> {
                    // the service's stage times reach the callback, after the request was written (one clock here)
                    boolean traced = stages != null && sent <= stages[0] && stages[0] <= stages[5] && stages[5] <= System.nanoTime();
                    statuses.set(event, traced ? status : -status);
                    answered.countDown();
                });
                if (k % 7 == 6) {
                    target.flush();                            // bursts of 7, each on the next connection
                }
            }
            target.flush();
            assertTrue(answered.await(30, TimeUnit.SECONDS), "answers missing: " + answered.getCount());
            for (int k = 0; k < events; k++) {
                assertEquals(200, statuses.get(k), "event " + k + " (negative: its answer's stage times missing or out of order)");
            }
            for (int s = 0; s < streams; s++) {
                assertEquals(perStream, registry.events("load-" + s), "events applied to stream " + s);
            }
            assertEquals(events, registry.stats().steps());
        }
    }
}
