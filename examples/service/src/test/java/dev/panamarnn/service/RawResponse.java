package dev.panamarnn.service;

import java.io.DataInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** One HTTP/1.1 response read off a socket: status line, X-Stream-Events, Connection, body (Content-Length). */
record RawResponse(String status, String events, String connection, String body) {

    static RawResponse read(DataInputStream in) throws Exception {
        String status = line(in);
        int length = -1;
        String count = null;
        String connection = null;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            String name = header.substring(0, header.indexOf(':')).toLowerCase(Locale.ROOT);
            String value = header.substring(header.indexOf(':') + 1).strip();
            switch (name) {
                case "content-length" -> length = Integer.parseInt(value);
                case "x-stream-events" -> count = value;
                case "connection" -> connection = value;
                default -> { }
            }
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new RawResponse(status, count, connection, new String(body, StandardCharsets.UTF_8));
    }

    /** A POST of {@code body} to stream {@code id}, with its Content-Length. */
    static String post(String id, String body) {
        return "POST " + StepServer.STREAMS + id + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** One CRLF-terminated line of an HTTP response head. */
    private static String line(DataInputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the server closed the connection after '" + b + "'");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
