package dev.panamarnn.service;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Function;

/**
 * One connection's requests (see {@link StepServer} for the routes). Every request read is handled
 * at once — a step goes to the registry, a refusal or a count is answered on the spot — and gets an
 * {@link Answer} in this connection's queue; answers are written in that order as they become
 * ready, so a pipelining client's answers keep its requests' order while its steps run together in
 * the batcher's batches. Answers are written raw (see {@link AnswerEncoder}), past the HTTP encoder,
 * through {@code raw}: the context of the handler in front of the decoder.
 * <p>A connection with {@link #PAUSE_READS_AT} answers pending stops reading until half of them
 * are written; a client with few requests in flight never has its reads switched off and on
 * (each switch changes the socket's interest in the event loop's epoll set: a system call).
 */
final class StepHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** Unanswered requests per connection at which it stops reading. */
    static final int PAUSE_READS_AT = 512;
    /** Unanswered requests beyond which the connection is closed (more arrived in the buffers already read). */
    private static final int MAX_PENDING = 4 * PAUSE_READS_AT;

    private final StreamRegistry registry;
    private final JvmStats jvm;
    private final Function<EventExecutor, Outbox> outboxes;
    private final ArrayDeque<Answer> answers = new ArrayDeque<>();   // event loop only, in request order
    private final AnswerEncoder encoder = new AnswerEncoder();        // event loop only
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext raw;
    private Outbox outbox;
    private boolean touched;           // event loop only: an answer became ready since the last write
    private boolean readsPaused;       // event loop only
    private boolean closing;           // event loop only: an answer closed the connection

    /** {@code outboxes}: the outbox of an event loop (one per loop, shared by its connections). */
    StepHandler(StreamRegistry registry, JvmStats jvm, Function<EventExecutor, Outbox> outboxes) {
        this.registry = registry;
        this.jvm = jvm;
        this.outboxes = outboxes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.raw = context.pipeline().firstContext();
        this.outbox = outboxes.apply(context.executor());
    }

    Outbox outbox() {
        return outbox;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
        if (closing) {
            return;
        }
        if (answers.size() >= MAX_PENDING) {
            closing = true;
            context.close();
            return;
        }
        Answer a = handle(request);
        answers.add(a);
        touched |= a.ready;
        if (answers.size() >= PAUSE_READS_AT && !readsPaused) {
            readsPaused = true;
            context.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (touched) {
            writeReady();
        }
        context.fireChannelReadComplete();
    }

    /** On the event loop: true the first time since the last write that an answer of this connection became ready. */
    boolean markTouched() {
        if (touched) {
            return false;
        }
        touched = true;
        return true;
    }

    /** On the event loop: writes the ready answers at the head of the queue in one buffer, with one flush. */
    void writeReady() {
        touched = false;
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        ByteBuf out = null;
        boolean close = false;
        for (Answer a; (a = answers.peek()) != null && a.ready && !close; ) {
            answers.poll();
            if (out == null) {
                out = ctx.alloc().ioBuffer(256);
            }
            encoder.encode(a, out);
            close = !a.keepAlive;
        }
        if (out == null) {
            return;
        }
        if (close) {
            closing = true;
            answers.clear();
            raw.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        raw.writeAndFlush(out, raw.voidPromise());
        if (readsPaused && answers.size() <= PAUSE_READS_AT / 2) {
            readsPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The request's answer: ready now, or a step's, ready when the batcher completes it. */
    private Answer handle(FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            if (request.decoderResult().isFailure()) {
                throw new BadRequestException("malformed HTTP request: " + request.decoderResult().cause().getMessage());
            }
            String uri = request.uri();
            int query = uri.indexOf('?');
            String path = query < 0 ? uri : uri.substring(0, query);
            if (path.equals("/stats") && request.method().equals(HttpMethod.GET)) {
                return new Answer(this, keepAlive, 200, stats(query >= 0 && uri.substring(query + 1).equals("gc=true")));
            } else if (path.startsWith(StepServer.STREAMS)) {
                return stream(request, path.substring(StepServer.STREAMS.length()), keepAlive);
            }
            throw new BadRequestException(404, "no such resource: use " + StepServer.STREAMS + "{id} or /stats");
        } catch (BadRequestException e) {
            return new Answer(this, keepAlive, e.status(), e.getMessage());
        } catch (OverloadedException e) {
            return new Answer(this, keepAlive, 503, e.getMessage());
        } catch (RuntimeException e) {
            return new Answer(this, keepAlive, 500, "the request failed: " + e);
        }
    }

    private Answer stream(FullHttpRequest request, String id, boolean keepAlive) throws BadRequestException, OverloadedException {
        if (!isClientId(id)) {
            throw new BadRequestException("the stream id must be 1 to 64 of [A-Za-z0-9._-], got '"
                    + (id.length() > 80 ? id.substring(0, 80) + "...' (" + id.length() + " characters)" : id + "'"));
        }
        if (request.method().equals(HttpMethod.GET)) {
            long events = registry.events(id);
            if (events < 0) {
                throw new BadRequestException(404, "no stream '" + id + "'");
            }
            return new Answer(this, keepAlive, 200, events + "");
        }
        if (!request.method().equals(HttpMethod.POST)) {
            throw new BadRequestException(405, "use POST to send an event or GET to read the count, not " + request.method());
        }
        float[] event = EventCodec.parse(request.content().toString(StandardCharsets.UTF_8), registry.model().inputSize());
        Answer answer = new Answer(this, keepAlive, registry.model().outputSize());
        registry.step(id, event, answer.output, answer);
        return answer;
    }

    /** 1 to 64 of [A-Za-z0-9._-]. */
    static boolean isClientId(String id) {
        if (id.isEmpty() || id.length() > 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private String stats(boolean collect) {
        RegistryStats s = registry.stats();
        return "streams " + s.streams() + "\nlive " + s.live() + "\nstates_created " + s.statesCreated()
                + "\nin_flight " + s.inFlight() + "\nsteps " + s.steps() + "\nbatches " + s.batches()
                + "\nevictions " + s.evictions() + "\nrestores " + s.restores() + "\nrejected " + s.rejected()
                + "\nheap_used " + JvmStats.heapUsed(collect) + "\noff_heap_other " + JvmStats.offHeapOther()
                + "\ngc_pauses " + jvm.pauses() + "\ngc_pause_ms " + jvm.pauseMillis()
                + "\ngc_longest_pause_ms " + jvm.longestPauseMillis() + "\nprocess_cpu_ns " + JvmStats.processCpuNanos()
                + "\nallocated_bytes " + JvmStats.allocatedBytes() + "\n";
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        closing = true;
        answers.clear();           // steps still running are applied; their answers are dropped
        super.channelInactive(context);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        context.close();                                           // e.g. the client reset the connection
    }
}
