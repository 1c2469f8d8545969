package dev.panamarnn.service;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@link Answer}s as HTTP/1.1 responses straight into a buffer: the status line and the fixed
 * headers are bytes prepared once, the body is formatted in a reused builder (an encoder per
 * connection, used on its event loop only). A response:
 * <pre>
 * HTTP/1.1 200 OK
 * Content-Type: text/plain; charset=utf-8
 * Connection: keep-alive            (or close)
 * Content-Length: 11
 * X-Stream-Events: 3                (a step's answer)
 * Retry-After: 1                    (a 503)
 * X-Trace: 1 2 3 4 5 6 7            (a step's answer with --trace: {@link StageTrace})
 *
 * 18.245789
 * </pre>
 */
final class AnswerEncoder {
    private static final byte[] OK = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TYPE_KEEP_ALIVE = ("Content-Type: text/plain; charset=utf-8\r\nConnection: keep-alive\r\n"
            + "Content-Length: ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TYPE_CLOSE = ("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
            + "Content-Length: ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENTS = "\r\nX-Stream-Events: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RETRY_AFTER = "\r\nRetry-After: 1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRACE = ("\r\n" + StageTrace.HEADER + ": ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final StringBuilder body = new StringBuilder(64);
    private final StringBuilder traceText = new StringBuilder(160);   // the X-Trace header's value (--trace only)

    /** Appends {@code a} as one response to {@code out}. */
    void encode(Answer a, ByteBuf out) {
        body.setLength(0);
        if (a.text != null) {
            body.append(a.text);
            if (!a.text.endsWith("\n")) {
                body.append('\n');
            }
        } else {
            EventCodec.format(a.output, body);
        }
        if (a.status == 200) {
            out.writeBytes(OK);
        } else {
            out.writeCharSequence("HTTP/1.1 " + HttpResponseStatus.valueOf(a.status) + "\r\n", StandardCharsets.US_ASCII);
        }
        out.writeBytes(a.keepAlive ? TYPE_KEEP_ALIVE : TYPE_CLOSE);
        boolean ascii = isAscii(body);
        byte[] utf8 = ascii ? null : body.toString().getBytes(StandardCharsets.UTF_8);
        writeDecimal(out, ascii ? body.length() : utf8.length);
        if (a.events >= 0) {
            out.writeBytes(EVENTS);
            writeDecimal(out, a.events);
        }
        if (a.status == 503) {
            out.writeBytes(RETRY_AFTER);
        }
        if (a.trace != null) {
            a.trace.written = System.nanoTime();
            out.writeBytes(TRACE);
            traceText.setLength(0);
            a.trace.format(traceText);
            ByteBufUtil.writeAscii(out, traceText);
        }
        out.writeBytes(END_OF_HEAD);
        if (ascii) {
            ByteBufUtil.writeAscii(out, body);
        } else {
            out.writeBytes(utf8);
        }
    }

    private static boolean isAscii(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** A non-negative number in decimal ASCII, without allocating. */
    private static void writeDecimal(ByteBuf out, long value) {
        long scale = 1;
        while (scale <= value / 10) {
            scale *= 10;
        }
        for (; scale > 0; scale /= 10) {
            out.writeByte((int) ('0' + value / scale % 10));
        }
    }
}
