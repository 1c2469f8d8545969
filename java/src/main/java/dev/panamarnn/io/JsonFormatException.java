package dev.panamarnn.io;

/**
 * Bytes that are not the strict JSON {@link JsonReader} accepts. Internal: the safetensors reader
 * turns it into a {@link ModelFileException} naming the file.
 */
final class JsonFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long offset;

    JsonFormatException(long offset, String problem) {
        super(problem + " (at header byte " + offset + ")");
        this.offset = offset;
    }

    /** Byte offset of the problem from the start of the JSON text. */
    long offset() {
        return offset;
    }
}
