package dev.panamarnn.service;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.regex.Pattern;

/**
 * One connection's requests (see {@link StepServer} for the routes), one at a time: a step's answer
 * is written when the batcher completes it; requests read meanwhile (a pipelining client's) wait
 * here, so answers keep the requests' order, and the connection reads nothing more until they are
 * answered. A client with one request in flight never has its reads switched off and on (each
 * switch is a change of the socket's interest in the event loop's epoll set: a system call).
 */
final class StepHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Pipelined requests held at most per connection; beyond, the connection is closed. */
    private static final int MAX_WAITING = 1024;

    private final StreamRegistry registry;
    private final JvmStats jvm;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();   // event loop only
    private boolean answering;                                                // event loop only

    StepHandler(StreamRegistry registry, JvmStats jvm) {
        this.registry = registry;
        this.jvm = jvm;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (answering) {
            if (waiting.size() >= MAX_WAITING) {
                ctx.close();
                return;
            }
            waiting.add(request.retain());
            ctx.channel().config().setAutoRead(false);     // a pipelining client: read on once the waiting requests are answered
            return;
        }
        handle(ctx, request);
    }

    /** After an answer is written (on the event loop): the next waiting request, or read on. */
    private void next(ChannelHandlerContext ctx) {
        answering = false;
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            ctx.channel().config().setAutoRead(true);      // a no-op unless requests waited
            return;
        }
        try {
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        super.channelInactive(ctx);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        answering = true;
        try {
            if (request.decoderResult().isFailure()) {
                throw new BadRequestException("malformed HTTP request: " + request.decoderResult().cause().getMessage());
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String path = uri.rawPath();
            if (path.equals("/stats") && request.method().equals(HttpMethod.GET)) {
                respond(ctx, HttpResponseStatus.OK, stats(uri.rawQuery().equals("gc=true")), keepAlive, null);
            } else if (path.startsWith(StepServer.STREAMS)) {
                stream(ctx, request, path.substring(StepServer.STREAMS.length()), keepAlive);
            } else {
                throw new BadRequestException(404, "no such resource: use " + StepServer.STREAMS + "{id} or /stats");
            }
        } catch (BadRequestException e) {
            respond(ctx, HttpResponseStatus.valueOf(e.status()), e.getMessage(), keepAlive, null);
        } catch (OverloadedException e) {
            respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage(), keepAlive, null);
        } catch (RuntimeException e) {
            respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "the request failed: " + e, keepAlive, null);
        }
    }

    private void stream(ChannelHandlerContext ctx, FullHttpRequest request, String id, boolean keepAlive)
            throws BadRequestException, OverloadedException {
        if (!CLIENT_ID.matcher(id).matches()) {
            throw new BadRequestException("the stream id must be 1 to 64 of [A-Za-z0-9._-], got '"
                    + (id.length() > 80 ? id.substring(0, 80) + "...' (" + id.length() + " characters)" : id + "'"));
        }
        if (request.method().equals(HttpMethod.GET)) {
            long events = registry.events(id);
            if (events < 0) {
                throw new BadRequestException(404, "no stream '" + id + "'");
            }
            respond(ctx, HttpResponseStatus.OK, events + "", keepAlive, null);
            return;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            throw new BadRequestException(405, "use POST to send an event or GET to read the count, not " + request.method());
        }
        float[] event = EventCodec.parse(request.content().toString(StandardCharsets.UTF_8), registry.model().inputSize());
        registry.step(id, event).whenComplete((result, failure) -> {     // on the batcher's thread: only hand the answer over
            if (failure == null) {
                respond(ctx, HttpResponseStatus.OK, EventCodec.format(result.output()), keepAlive, Long.toString(result.events()));
            } else {
                respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "the step failed: " + failure, keepAlive, null);
            }
        });
    }

    private String stats(boolean collect) {
        RegistryStats s = registry.stats();
        return "streams " + s.streams() + "\nlive " + s.live() + "\nstates_created " + s.statesCreated()
                + "\nin_flight " + s.inFlight() + "\nsteps " + s.steps() + "\nbatches " + s.batches()
                + "\nevictions " + s.evictions() + "\nrestores " + s.restores() + "\nrejected " + s.rejected()
                + "\nheap_used " + JvmStats.heapUsed(collect) + "\noff_heap_other " + JvmStats.offHeapOther()
                + "\ngc_pauses " + jvm.pauses() + "\ngc_pause_ms " + jvm.pauseMillis()
                + "\ngc_longest_pause_ms " + jvm.longestPauseMillis() + "\nprocess_cpu_ns " + JvmStats.processCpuNanos() + "\n";
    }

    /** Writes the answer (from any thread), then takes the connection's next request or closes it. */
    private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive, String events) {
        byte[] bytes = (text.endsWith("\n") ? text : text + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (events != null) {
            response.headers().set("X-Stream-Events", events);
        }
        if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response).addListener(f -> next(ctx));
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();                                           // e.g. the client reset the connection
    }
}
