package dev.panamarnn.service;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/** The service over HTTP/1.1 keep-alive connections on loopback, through the JDK's HttpClient. */
final class HttpTarget implements LoadTarget {
    private final ExecutorService executor;
    private final HttpClient client;
    private final String base;
    private final URI[] streams;
    private final AtomicBoolean reported = new AtomicBoolean();

    HttpTarget(int port, int streamCount, int threads) throws Exception {
        this.base = "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port;
        this.executor = Executors.newFixedThreadPool(threads);
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.streams = new URI[streamCount];
        for (int s = 0; s < streamCount; s++) {
            streams[s] = URI.create(base + StepServer.STREAMS + "load-" + s);
        }
    }

    @Override
    public void send(int stream, String text, float value, IntConsumer done) {
        HttpRequest request = HttpRequest.newBuilder(streams[stream]).POST(HttpRequest.BodyPublishers.ofString(text)).build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, failure) -> {
                    if (failure != null && reported.compareAndSet(false, true)) {
                        System.err.println("first failed request: " + failure);
                    }
                    done.accept(failure == null ? response.statusCode() : 0);
                });
    }

    @Override
    public String stats(boolean collect) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/stats" + (collect ? "?gc=true" : ""))).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        client.close();
        executor.shutdownNow();
    }
}
