package dev.panamarnn.service;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The service over HTTP/1.1 on loopback: {@code connections} keep-alive connections opened up front
 * (Netty's client codec, NIO, {@code threads} event loops), one request in flight on each; the load
 * generator's in-flight bound guarantees a free connection for every send.
 */
final class HttpTarget implements LoadTarget {
    private static final AttributeKey<IntConsumer> PENDING = AttributeKey.valueOf("panama-rnn-pending");

    private final EventLoopGroup group;
    private final ConcurrentLinkedQueue<Channel> idle = new ConcurrentLinkedQueue<>();
    private final String[] paths;
    private final String host;
    private final HttpClient statsClient = HttpClient.newHttpClient();
    private final String base;

    HttpTarget(int port, int streamCount, int connections, int threads) throws InterruptedException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.host = loopback.getHostAddress() + ":" + port;
        this.base = "http://" + host;
        this.paths = new String[streamCount];
        for (int s = 0; s < streamCount; s++) {
            paths[s] = StepServer.STREAMS + "load-" + s;
        }
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(StepServer.MAX_BODY_BYTES),
                                new Answers());
                    }
                });
        for (int c = 0; c < connections; c++) {
            idle.add(bootstrap.connect(loopback, port).sync().channel());
        }
    }

    @Override
    public void send(int stream, String text, float value, IntConsumer done) {
        Channel channel = idle.poll();
        if (channel == null) {
            throw new IllegalStateException("no free connection: more sends in flight than connections");
        }
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, paths[stream], Unpooled.wrappedBuffer(body));
        request.headers().set(HttpHeaderNames.HOST, host).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        channel.attr(PENDING).set(done);
        channel.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                finish(channel, 0);
            }
        });
    }

    /** Hands the connection back, then reports the status (the caller may send again at once). */
    private void finish(Channel channel, int status) {
        IntConsumer done = channel.attr(PENDING).getAndSet(null);
        if (channel.isActive()) {
            idle.add(channel);
        }
        if (done != null) {
            done.accept(status);
        }
    }

    private final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            finish(ctx.channel(), response.status().code());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
            finish(ctx.channel(), 0);
        }
    }

    @Override
    public String stats(boolean collect) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/stats" + (collect ? "?gc=true" : ""))).GET().build();
        return statsClient.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        statsClient.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
