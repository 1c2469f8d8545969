package dev.panamarnn.service;

import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.model.SequenceModel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the service on a model file written by {@code rnn train ...}:
 * {@code java -jar examples/service/target/panama-rnn-service.jar model=FILE [port=8080] [bind=127.0.0.1]
 * [maxStreams=200000] [maxLive=16384] [queue=4096] [maxBatch=256] [idleMillis=1000] [ioThreads=1]}. Stops on SIGTERM / Ctrl-C
 * after running the steps it accepted.
 */
public final class ServiceMain {
    private ServiceMain() {}

    public static void main(String[] args) throws Exception {
        try {
            serve(args);
        } catch (IllegalArgumentException | ModelFileException e) {
            System.err.println("panama-rnn-service: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void serve(String[] args) throws Exception {
        Options o = new Options(args, Set.of("model", "port", "bind", "maxStreams", "maxLive", "queue", "maxBatch", "idleMillis", "ioThreads"));
        String file = o.text("model", null);
        if (file == null) {
            throw new IllegalArgumentException("model=FILE is required (a model written by rnn train ...)");
        }
        ServiceSettings d = ServiceSettings.defaults();
        ServiceSettings settings = new ServiceSettings(o.integer("maxStreams", d.maxStreams(), 1, 10_000_000),
                o.integer("maxLive", d.maxLive(), 1, 1_000_000), o.integer("queue", d.queueCapacity(), 1, 1_000_000),
                o.integer("maxBatch", d.maxBatch(), 1, 4096),
                Duration.ofMillis(o.integer("idleMillis", (int) d.idleAfter().toMillis(), 1, 3_600_000)), null);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(o.text("bind", "127.0.0.1")),
                o.integer("port", 8080, 0, 65535));
        InferenceModel model;
        try (SequenceModel trained = SequenceModel.load(Path.of(file))) {
            model = InferenceModel.of(trained);
        }
        if (model.readsTokens()) {
            model.close();
            throw new IllegalArgumentException(file + " is a token model (rnn train text): this service takes float events; "
                    + "train one with rnn train series or rnn train sequences");
        }
        BlasThreads.set(model, 1);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {      // the JVM exits when this returns: wait for the close
            stopped.countDown();
            try {
                closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try (model; StreamRegistry registry = new StreamRegistry(model, settings);
             StepServer server = new StepServer(registry, address, o.integer("ioThreads", 1, 1, 64))) {
            System.out.println("serving " + file + " (" + model.inputSize() + " floats in, " + model.outputSize()
                    + " out) on http://" + address.getHostString() + ":" + server.port() + StepServer.STREAMS + "{id}; " + settings);
            stopped.await();
        } finally {
            closed.countDown();
        }
    }
}
