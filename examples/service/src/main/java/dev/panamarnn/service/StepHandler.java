package dev.panamarnn.service;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One connection's requests (see {@link StepServer} for the routes). Every request read is handled
 * at once — a step goes to the registry, a refusal or a count is answered on the spot — and gets an
 * {@link Answer} in this connection's queue; answers are written in that order as they become
 * ready, so a pipelining client's answers keep its requests' order while its steps run together in
 * the batcher's batches. Answers are written raw (see {@link AnswerEncoder}), past the HTTP encoder,
 * through {@code raw}: the context of the handler in front of the decoder.
 * <p>A request arrives from the decoder as its head and then its body's parts, gathered in one
 * buffer per connection ({@link RequestBody}, at most {@link StepServer#MAX_BODY_BYTES}); a body
 * over the limit (announced by Content-Length, or found as its parts arrive) is answered 413 in its
 * place in the queue, with {@code Connection: close}, and nothing read after it is handled (the
 * connection lingers, reading and ignoring, so the client gets its answer: {@link #lingerThenClose}). The
 * event is parsed from the bytes into this connection's event array (the batcher copies it), and a
 * step's {@link Answer} is reused once written: a step allocates little on the event loop.
 * <p>A connection with {@link #PAUSE_READS_AT} answers pending stops reading until half of them
 * are written; a client with few requests in flight never has its reads switched off and on
 * (each switch changes the socket's interest in the event loop's epoll set: a system call).
 */
final class StepHandler extends ChannelInboundHandlerAdapter {
    /** Unanswered requests per connection at which it stops reading. */
    static final int PAUSE_READS_AT = 512;
    /** Unanswered requests beyond which the connection is closed (more arrived in the buffers already read). */
    private static final int MAX_PENDING = 4 * PAUSE_READS_AT;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** How long a connection closed by its answer keeps reading (and ignoring) what the client still sends. */
    static final long LINGER_MILLIS = 2_000;

    private final StreamRegistry registry;
    private final JvmStats jvm;
    private final Function<EventExecutor, Outbox> outboxes;
    private final ArrayDeque<Answer> answers = new ArrayDeque<>();   // event loop only, in request order
    private final AnswerEncoder encoder = new AnswerEncoder();        // event loop only
    private final ArrayDeque<Answer> spare = new ArrayDeque<>();     // event loop only: written step answers, for reuse
    private final RequestBody body = new RequestBody(StepServer.MAX_BODY_BYTES);
    private final AsciiEventParser parser = new AsciiEventParser();
    private final float[] event;                                     // event loop only: the batcher copies it at submit
    private final boolean traced;                                    // answers carry their stage times (--trace)
    private boolean inRequest;         // event loop only: a request's body is arriving (its head read into the three below)
    private String uri;
    private HttpMethod method;
    private boolean keepAlive;
    private long headNanos;            // event loop only, with --trace: when the request's head was read
    private boolean discarding;        // event loop only: a 413 or a malformed request ends the connection; the rest is ignored
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
        this.event = new float[registry.model().inputSize()];
        this.traced = registry.traced();
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

    StreamRegistry registry() {
        return registry;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        try {
            if (closing || discarding) {
                return;
            }
            if (message instanceof HttpRequest head) {
                begin(head);
            }
            if (message instanceof HttpContent part && inRequest) {
                bodyPart(part);
            }
        } finally {
            ReferenceCountUtil.release(message);
        }
    }

    /** A request's head: a malformed one or a body announced over the limit is answered at once (in order). */
    private void begin(HttpRequest head) {
        if (answers.size() >= MAX_PENDING) {
            closing = true;                  // before anything of this request is applied
            ctx.close();
            return;
        }
        DecoderResult result = head.decoderResult();
        if (result.isFailure()) {
            refuse(400, "malformed HTTP request: " + result.cause().getMessage());
            return;
        }
        if (HttpUtil.getContentLength(head, -1L) > StepServer.MAX_BODY_BYTES) {
            refuse(413, tooLarge());
            return;
        }
        if (traced) {
            headNanos = System.nanoTime();
        }
        inRequest = true;            // the head's headers are reused by the next request (ReusedHeaders): read them now
        uri = head.uri();
        method = head.method();
        keepAlive = HttpUtil.isKeepAlive(head);
        body.clear();
        if (HttpUtil.is100ContinueExpected(head) && answers.isEmpty()) {
            raw.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE), raw.voidPromise());   // an interim answer only when none is pending before it
        }
    }

    private void bodyPart(HttpContent part) {
        if (part.decoderResult().isFailure()) {
            inRequest = false;
            refuse(400, "malformed HTTP request: " + part.decoderResult().cause().getMessage());
            return;
        }
        boolean last = part instanceof LastHttpContent;
        if (last && body.isEmpty() && part.content().readableBytes() <= StepServer.MAX_BODY_BYTES) {
            inRequest = false;               // the whole body in one part (the usual case): read where it lies
            queue(handle(part.content()));
            return;
        }
        if (!body.append(ctx.alloc(), part.content())) {
            inRequest = false;
            refuse(413, tooLarge());
            return;
        }
        if (last) {
            inRequest = false;
            queue(handle(body.bytes(ctx.alloc())));
            body.clear();
        }
    }

    private static String tooLarge() {
        return "the request body is over " + StepServer.MAX_BODY_BYTES + " bytes";
    }

    /** Answers {@code status} in order, closes the connection after it and ignores what else it sends. */
    private void refuse(int status, String message) {
        discarding = true;
        queue(new Answer(this, false, status, message));
    }

    /** Takes the answer's place in the queue; writes at the end of this read. */
    private void queue(Answer a) {
        answers.add(a);
        touched |= a.ready;
        if (answers.size() >= PAUSE_READS_AT && !readsPaused) {
            readsPaused = true;
            ctx.channel().config().setAutoRead(false);
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
            if (a.output != null && spare.size() < PAUSE_READS_AT) {
                spare.add(a);
            }
        }
        if (out == null) {
            return;
        }
        if (close) {
            closing = true;
            answers.clear();
            raw.writeAndFlush(out).addListener((ChannelFutureListener) this::lingerThenClose);
            return;
        }
        raw.writeAndFlush(out, raw.voidPromise());
        if (readsPaused && answers.size() <= PAUSE_READS_AT / 2) {
            readsPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * After the answer that ends the connection: a lingering close. Closing at once while the client
     * is still sending (the rest of an oversized body) would make the kernel reset the connection,
     * and the client could lose the answer; so this side's output is shut (the client reads the
     * answer, then end of stream), what still arrives is read and ignored, and the connection is
     * closed when the client closes it or after {@link #LINGER_MILLIS}.
     */
    private void lingerThenClose(ChannelFuture written) {
        if (!written.isSuccess() || !(ctx.channel() instanceof DuplexChannel duplex)) {
            ctx.close();
            return;
        }
        ctx.channel().config().setAutoRead(true);
        duplex.shutdownOutput();
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The request's answer: ready now, or a step's, ready when the batcher completes it. */
    private Answer handle(ByteBuf content) {
        try {
            String uri = this.uri;
            int query = uri.indexOf('?');
            String path = query < 0 ? uri : uri.substring(0, query);
            if (path.equals("/stats") && method.equals(HttpMethod.GET)) {
                return new Answer(this, keepAlive, 200, stats(query >= 0 && uri.substring(query + 1).equals("gc=true")));
            } else if (path.startsWith(StepServer.STREAMS)) {
                return stream(content, path.substring(StepServer.STREAMS.length()));
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

    private Answer stream(ByteBuf content, String id) throws BadRequestException, OverloadedException {
        if (!isClientId(id)) {
            throw new BadRequestException("the stream id must be 1 to 64 of [A-Za-z0-9._-], got '"
                    + (id.length() > 80 ? id.substring(0, 80) + "...' (" + id.length() + " characters)" : id + "'"));
        }
        if (method.equals(HttpMethod.GET)) {
            long events = registry.events(id);
            if (events < 0) {
                throw new BadRequestException(404, "no stream '" + id + "'");
            }
            return new Answer(this, keepAlive, 200, events + "");
        }
        if (!method.equals(HttpMethod.POST)) {
            throw new BadRequestException(405, "use POST to send an event or GET to read the count, not " + method);
        }
        if (!parser.parse(content, event)) {
            float[] parsed = EventCodec.parse(content.toString(StandardCharsets.UTF_8), event.length);
            System.arraycopy(parsed, 0, event, 0, event.length);
        }
        Answer answer = spare.isEmpty() ? new Answer(this, keepAlive, registry.model().outputSize(), traced) : spare.poll().reuse(keepAlive);
        if (answer.trace != null) {
            answer.trace.read = headNanos;
            answer.trace.submitted = System.nanoTime();   // before the submit: the worker may complete the step at once
        }
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
                + "\ngc_longest_pause_ms " + jvm.longestPauseMillis() + "\ngc_pause_log " + jvm.pauseLog() + "\nprocess_cpu_ns " + JvmStats.processCpuNanos()
                + "\nallocated_bytes " + JvmStats.allocatedBytes() + "\npid " + ProcessHandle.current().pid() + "\n";
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        closing = true;
        answers.clear();           // steps still running are applied; their answers are dropped
        body.release();
        super.channelInactive(context);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        context.close();                                           // e.g. the client reset the connection
    }
}
