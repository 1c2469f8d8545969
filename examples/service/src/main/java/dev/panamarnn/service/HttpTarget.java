package dev.panamarnn.service;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The service over HTTP/1.1 on loopback: {@code connections} keep-alive connections opened up front
 * ({@code threads} Netty event loops on {@code transport}). The events the generator sends between
 * two of its waits (a burst) go to one connection, the next burst to the next, pipelined (an
 * HTTP/1.1 server answers a connection's requests in order): one task on its event loop writes the
 * burst with one flush. Requests are bytes prepared once (a head per stream, a body per event value).
 * Answers are read with Netty's response decoder and matched to the requests in order.
 */
final class HttpTarget implements LoadTarget {
    private static final io.netty.util.AsciiString TRACE = io.netty.util.AsciiString.cached(StageTrace.HEADER);
    private final EventLoopGroup group;
    private final Connection[] connections;
    private final Burst[] bursts;                 // the sender's, one per event loop, handed over on flush
    private final byte[][] heads;                 // per stream: "POST /streams/load-N HTTP/1.1\r\nHost: ...\r\n"
    private final byte[][] bodies;                // per event value: "Content-Length: L\r\n\r\n" and the value
    private final HttpClient statsClient = HttpClient.newHttpClient();
    private final String base;
    private int next;                             // the sender's: the connection of the next burst

    HttpTarget(int port, int streamCount, float[] values, int connectionCount, int threads, Transport transport)
            throws InterruptedException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        String host = loopback.getHostAddress() + ":" + port;
        this.base = "http://" + host;
        this.heads = new byte[streamCount][];
        for (int s = 0; s < streamCount; s++) {
            heads[s] = ("POST " + StepServer.STREAMS + "load-" + s + " HTTP/1.1\r\nHost: " + host + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        this.bodies = new byte[values.length][];
        for (int v = 0; v < values.length; v++) {
            String text = Float.toString(values[v]);
            bodies[v] = ("Content-Length: " + text.length() + "\r\n\r\n" + text).getBytes(StandardCharsets.US_ASCII);
        }
        this.group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlers());
        Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.socketChannel()).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpResponseDecoder());
                    }
                });
        EventLoop[] loops = new EventLoop[threads];
        this.bursts = new Burst[threads];
        this.connections = new Connection[connectionCount];
        for (int c = 0; c < connectionCount; c++) {
            Channel channel = bootstrap.connect(loopback, port).sync().channel();
            int loop = 0;                          // the index of the connection's event loop (at most threads of them)
            while (loops[loop] != null && loops[loop] != channel.eventLoop()) {
                loop++;
            }
            loops[loop] = channel.eventLoop();
            connections[c] = new Connection(channel, loop);
            channel.pipeline().addLast(connections[c]);
        }
        for (int l = 0; l < threads; l++) {
            bursts[l] = new Burst(loops[l], l);
        }
    }

    /** On the sender's thread: queues the event for the next {@link #flush()}, on this burst's connection. */
    @Override
    public void send(int stream, int value, Reply done) {
        Connection c = connections[next];
        bursts[c.loop].add(c, stream, value, done);
    }

    /** On the sender's thread: hands the queued events to their event loop as one task; the next burst takes the next connection. */
    @Override
    public void flush() {
        Burst b = bursts[connections[next].loop];
        if (b.size == 0) {
            return;
        }
        next = next + 1 == connections.length ? 0 : next + 1;
        bursts[b.loopIndex] = new Burst(b.loop, b.loopIndex);
        b.loop.execute(b);
    }

    /** The events of one flush, all to one connection of one event loop: written there in one buffer with one flush. */
    private final class Burst implements Runnable {
        final EventLoop loop;
        final int loopIndex;
        Connection[] to = new Connection[16];
        int[] streams = new int[16];
        int[] values = new int[16];
        Reply[] done = new Reply[16];
        int size;

        Burst(EventLoop loop, int loopIndex) {
            this.loop = loop;
            this.loopIndex = loopIndex;
        }

        void add(Connection c, int stream, int value, Reply callback) {
            if (size == to.length) {
                to = Arrays.copyOf(to, 2 * size);
                streams = Arrays.copyOf(streams, 2 * size);
                values = Arrays.copyOf(values, 2 * size);
                done = Arrays.copyOf(done, 2 * size);
            }
            to[size] = c;
            streams[size] = stream;
            values[size] = value;
            done[size++] = callback;
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            for (int i = 0; i < size; i++) {
                Connection c = to[i];
                if (!c.channel.isActive()) {
                    done[i].answered(0, now, null);
                    continue;
                }
                if (c.out == null) {
                    c.out = c.channel.alloc().ioBuffer(128 * 8);
                }
                c.out.writeBytes(heads[streams[i]]).writeBytes(bodies[values[i]]);
                c.pending.add(done[i]);
                c.sent.add(now);
            }
            for (int i = 0; i < size; i++) {
                Connection c = to[i];
                if (c.out != null) {
                    ByteBuf out = c.out;
                    c.out = null;
                    c.channel.writeAndFlush(out, c.channel.voidPromise());
                }
            }
        }
    }

    /** One keep-alive connection: its requests' callbacks in order, each called with the status of its answer. */
    private static final class Connection extends SimpleChannelInboundHandler<HttpObject> {
        final Channel channel;
        final int loop;
        final ArrayDeque<Reply> pending = new ArrayDeque<>();   // event loop only
        final LongQueue sent = new LongQueue();                  // event loop only: when each pending request was written
        ByteBuf out;                                                   // event loop only: the burst's requests
        private int status;
        private final long[] stages = new long[StageTrace.VALUES];   // the answer's X-Trace values, when it has them
        private boolean traced;

        Connection(Channel channel, int loop) {
            this.channel = channel;
            this.loop = loop;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
            if (message instanceof HttpResponse response) {
                status = message.decoderResult().isSuccess() ? response.status().code() : 0;
                String trace = response.headers().get(TRACE);
                traced = trace != null && StageTrace.parse(trace, stages);
            }
            if (message instanceof LastHttpContent) {
                Reply done = pending.poll();
                if (done != null) {
                    done.answered(status, sent.poll(), traced ? stages : null);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            for (Reply done; (done = pending.poll()) != null; ) {
                done.answered(0, sent.poll(), null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public String stats(boolean collect) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/stats" + (collect ? "?gc=true" : ""))).GET().build();
        return statsClient.send(request, BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        statsClient.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
