package dev.panamarnn.service;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * One connection's request headers (or, as the decoder's second factory, its trailers): the decoder
 * fills the same map, cleared, for every request instead of a new one each time. Safe because
 * {@link StepHandler} reads everything it needs from a request's head when the head arrives, never
 * reads trailers, and is done with a request before the decoder starts the next one.
 */
final class ReusedHeaders implements HttpHeadersFactory {
    private static final HttpHeadersFactory FRESH = DefaultHttpHeadersFactory.headersFactory();
    private HttpHeaders headers;        // the connection's event loop only

    @Override
    public HttpHeaders newHeaders() {
        if (headers == null) {
            headers = FRESH.newHeaders();
        } else {
            headers.clear();
        }
        return headers;
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
        return FRESH.newEmptyHeaders();
    }
}
