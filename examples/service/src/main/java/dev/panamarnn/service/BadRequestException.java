package dev.panamarnn.service;

/** A request the service refuses as malformed (HTTP 400, or {@code status}): the message says what is wrong. */
final class BadRequestException extends Exception {
    private final int status;

    BadRequestException(String message) {
        this(400, message);
    }

    BadRequestException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
