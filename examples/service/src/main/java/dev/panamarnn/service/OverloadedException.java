package dev.panamarnn.service;

/** The service is at capacity (queue full, or every live stream state taken): HTTP 503, the event was not applied. */
final class OverloadedException extends Exception {
    OverloadedException(String message) {
        super(message);
    }
}
