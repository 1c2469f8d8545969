package dev.panamarnn.service;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One connection's request body as its parts arrive, in one buffer reused from request to request
 * (event loop only): at most {@code limit} bytes; a body that would grow beyond is refused whole. A
 * buffer grown past {@link #KEEP_CAPACITY} by a large body is given back after it, so an idle
 * connection holds little.
 */
final class RequestBody {
    static final int KEEP_CAPACITY = 4096;

    private final int limit;
    private ByteBuf buffer;              // null until the first body, and after release

    RequestBody(int limit) {
        this.limit = limit;
    }

    /** Appends a part; false (nothing kept) when the body would exceed the limit. */
    boolean append(ByteBufAllocator alloc, ByteBuf part) {
        int n = part.readableBytes();
        if (n == 0) {
            return true;
        }
        if (buffer == null) {
            buffer = alloc.heapBuffer(Math.min(Math.max(n, 256), limit), limit);
        }
        if (n > limit - buffer.readableBytes()) {
            clear();
            return false;
        }
        buffer.writeBytes(part, part.readerIndex(), n);
        return true;
    }

    /** True when no part of the body arrived yet. */
    boolean isEmpty() {
        return buffer == null || !buffer.isReadable();
    }

    /** The body so far (empty when none arrived); valid until {@link #clear}. */
    ByteBuf bytes(ByteBufAllocator alloc) {
        if (buffer == null) {
            buffer = alloc.heapBuffer(256, limit);
        }
        return buffer;
    }

    /** Ready for the next request. */
    void clear() {
        if (buffer == null) {
            return;
        }
        if (buffer.capacity() > KEEP_CAPACITY) {
            release();
        } else {
            buffer.clear();
        }
    }

    void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
