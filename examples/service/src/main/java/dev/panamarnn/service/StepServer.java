package dev.panamarnn.service;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.concurrent.EventExecutor;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 front of a {@link StreamRegistry}, on Netty ({@link Transport} NIO or epoll,
 * {@code ioThreads} event loops). Routes, answered by {@link StepHandler}:
 * <ul>
 * <li>{@code POST /streams/{id}} with an event (comma-separated floats) in the body: 200 with the
 *     model's outputs (comma-separated floats) and header {@code X-Stream-Events} (events applied to
 *     the stream so far); 400 for a malformed event, id or request, 405 for another method, 413 for
 *     a body over 64 KiB, 503 with {@code Retry-After: 1} when the service is at capacity — the
 *     event was then not applied.</li>
 * <li>{@code GET /streams/{id}}: 200 with the stream's event count, 404 for an unknown id.</li>
 * <li>{@code GET /stats} ({@code ?gc=true}: heap measured after a full collection): counters, one
 *     {@code name value} per line.</li>
 * </ul>
 * A pipelining client's requests are all handled as they arrive (their steps share batches) and
 * answered in request order ({@link StepHandler}); the batcher's answers reach each event loop in
 * bulk ({@link Outbox}). An event whose body arrived whole is applied even if the client leaves
 * before the answer; one cut short is not.
 */
final class StepServer implements AutoCloseable {
    static final String STREAMS = "/streams/";
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final EventLoopGroup acceptor;
    private final EventLoopGroup io;
    private final Channel listener;

    /** A connection that sends nothing for this long is closed (a client stalled mid-request, or idle). */
    static final Duration IDLE_CONNECTION = Duration.ofSeconds(60);

    /**
     * Starts serving on {@code address} (port 0: an ephemeral port, see {@link #port()}); a connection
     * from which nothing arrives for {@code idleConnection} is closed, a request in it unanswered and
     * not applied; sockets on {@code transport}.
     */
    StepServer(StreamRegistry registry, InetSocketAddress address, int ioThreads, Duration idleConnection, Transport transport)
            throws InterruptedException {
        long idleMillis = idleConnection.toMillis();
        this.acceptor = new MultiThreadIoEventLoopGroup(1, transport.ioHandlers());
        this.io = new MultiThreadIoEventLoopGroup(ioThreads, transport.ioHandlers());
        JvmStats jvm = new JvmStats();
        ConcurrentHashMap<EventExecutor, Outbox> outboxes = new ConcurrentHashMap<>();   // one per event loop
        ServerBootstrap bootstrap = new ServerBootstrap().group(acceptor, io).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        // StepHandler gathers each body itself and writes its answers raw
                        channel.pipeline().addLast(new ReadTimeoutHandler(idleMillis, TimeUnit.MILLISECONDS), new HttpRequestDecoder(new HttpDecoderConfig().setHeadersFactory(new ReusedHeaders()).setTrailersFactory(new ReusedHeaders())),
                                new StepHandler(registry, jvm, loop -> outboxes.computeIfAbsent(loop, Outbox::new)));
                    }
                });
        try {
            this.listener = bootstrap.bind(address).sync().channel();
        } catch (Throwable e) {                 // a BindException too, which Netty rethrows unchecked
            shutdown();
            throw e;
        }
    }

    StepServer(StreamRegistry registry, InetSocketAddress address, int ioThreads, Duration idleConnection) throws InterruptedException {
        this(registry, address, ioThreads, idleConnection, Transport.NIO);
    }

    StepServer(StreamRegistry registry, InetSocketAddress address, int ioThreads, Transport transport) throws InterruptedException {
        this(registry, address, ioThreads, IDLE_CONNECTION, transport);
    }

    StepServer(StreamRegistry registry, InetSocketAddress address) throws InterruptedException {
        this(registry, address, 1, IDLE_CONNECTION, Transport.NIO);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Stops accepting connections and closes the open ones; the registry stays open. */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        shutdown();
    }

    private void shutdown() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
