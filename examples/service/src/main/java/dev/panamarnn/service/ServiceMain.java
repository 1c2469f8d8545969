package dev.panamarnn.service;

import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.options.Range;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the service on a model file written by {@code rnn train series} or {@code rnn train sequences}:
 * {@code java -jar examples/service/target/panama-rnn-service.jar --model FILE [--port 8080] ...}
 * ({@code --help} lists the options). Stops on SIGTERM / Ctrl-C after running the steps it accepted.
 */
@Command(name = "panama-rnn-service", mixinStandardHelpOptions = true,
        description = "Serves a model over HTTP: POST /streams/{id} with one event steps that client's stream (docs/streaming.md).")
public final class ServiceMain implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "The model file (rnn train series or rnn train sequences; events are floats, so not a token model).")
    Path model;

    @Option(names = "--port", defaultValue = "8080", description = "The TCP port; 0 takes a free one.")
    @Range(min = 0, max = 65535)
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS", description = "The address to listen on.")
    String bind;

    @Option(names = "--max-streams", defaultValue = "" + ServiceSettings.DEFAULT_MAX_STREAMS,
            description = "Client ids held at most, live or evicted; a new id beyond is refused (503).")
    @Range(min = 1, max = 10_000_000)
    int maxStreams;

    @Option(names = "--max-live", defaultValue = "" + ServiceSettings.DEFAULT_MAX_LIVE,
            description = "Live stream states at most (off-heap); the other streams are snapshots.")
    @Range(min = 1, max = 1_000_000)
    int maxLive;

    @Option(names = "--queue", defaultValue = "" + ServiceSettings.DEFAULT_QUEUE, description = "Steps in flight at most; beyond, 503.")
    @Range(min = 1, max = 1_000_000)
    int queue;

    @Option(names = "--max-batch", defaultValue = "" + ServiceSettings.DEFAULT_MAX_BATCH, description = "Rows per batch of the batcher.")
    @Range(min = 1, max = 4096)
    int maxBatch;

    @Option(names = "--idle-millis", defaultValue = "" + ServiceSettings.DEFAULT_IDLE_MILLIS,
            description = "A stream with no event for this long is evicted to a snapshot.")
    @Range(min = 1, max = 3_600_000)
    int idleMillis;

    @Option(names = "--io-threads", defaultValue = "1", description = "Netty event-loop threads that parse requests and write answers.")
    @Range(min = 1, max = 64)
    int ioThreads;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|epoll|nio",
            description = "Netty's socket transport: Linux's native epoll (x86-64), Java NIO (everywhere), or auto: epoll where it loads, else NIO.")
    Transport transport;

    @Option(names = "--trace", description = "Each step's answer carries its stage times in an X-Trace header (for LoadGenerator --trace;"
            + " a diagnostic, not for production).")
    boolean trace;

    public static void main(String[] args) {
        ToolCommandLine.main(new ServiceMain(), args);
    }

    @Override
    public Integer call() throws Exception {
        ServiceSettings settings = new ServiceSettings(maxStreams, maxLive, queue, maxBatch, Duration.ofMillis(idleMillis), null, trace);
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByName(bind), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind " + bind + " is not an address of this host: " + e.getMessage());
        }
        InferenceModel inference;
        try (SequenceModel trained = SequenceModel.load(model)) {
            inference = InferenceModel.of(trained);
        }
        if (inference.readsTokens()) {
            inference.close();
            throw new IllegalArgumentException(model + " is a token model (rnn train text): this service takes float events; "
                    + "train one with rnn train series or rnn train sequences");
        }
        BlasThreads.set(inference, 1);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        try (inference; StreamRegistry registry = new StreamRegistry(inference, settings);
             StepServer server = listen(registry, address)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {      // the JVM exits when this returns: wait for the close
                stopped.countDown();
                try {
                    closed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            System.out.println("serving " + model + " (" + inference.inputSize() + " floats in, " + inference.outputSize()
                    + " out) on http://" + address.getHostString() + ":" + server.port() + StepServer.STREAMS + "{id} ("
                    + transport.resolved().name().toLowerCase(Locale.ROOT) + "); " + settings);
            stopped.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }

    /** The server on {@code address}; a port in use (or any other failure to listen) is an error naming the address. */
    private StepServer listen(StreamRegistry registry, InetSocketAddress address) throws Exception {
        try {
            return new StepServer(registry, address, ioThreads, transport);
        } catch (Exception e) {
            if (e instanceof IOException) {       // NIO's BindException or epoll's NativeIoException, rethrown unchecked by Netty
                throw new IllegalArgumentException("cannot listen on " + address.getHostString() + ":" + port + ": " + e.getMessage());
            }
            throw e;
        }
    }
}
