package dev.panamarnn.service;

/**
 * The wire format of events and outputs: one line of comma-separated decimal floats
 * ({@code 0.25,-1.5,3e-2}). An event must have exactly the model's input width of finite numbers;
 * anything else is a {@link BadRequestException} naming the problem. Outputs are written with
 * {@link Float#toString(float)}, which parses back to the same float bits.
 */
final class EventCodec {
    /** Longest number accepted, in characters (a float needs at most about 15). */
    private static final int MAX_NUMBER_CHARS = 64;

    private EventCodec() {}

    /** The event's {@code width} floats parsed from {@code text}. */
    static float[] parse(String text, int width) throws BadRequestException {
        String body = text.strip();
        if (body.isEmpty()) {
            throw new BadRequestException("the event is empty: expected " + width + (width == 1 ? " number" : " comma-separated numbers"));
        }
        String[] fields = body.split(",", -1);
        if (fields.length != width) {
            throw new BadRequestException("the event must have " + width + (width == 1 ? " number" : " numbers") + ", got " + fields.length);
        }
        float[] event = new float[width];
        for (int i = 0; i < width; i++) {
            event[i] = number(fields[i].strip(), i);
        }
        return event;
    }

    private static float number(String field, int index) throws BadRequestException {
        if (field.isEmpty() || field.length() > MAX_NUMBER_CHARS) {
            throw new BadRequestException("number " + index + " is " + (field.isEmpty() ? "empty" : "longer than " + MAX_NUMBER_CHARS + " characters"));
        }
        float value;
        try {
            value = Float.parseFloat(field);
        } catch (NumberFormatException e) {
            throw new BadRequestException("number " + index + " is not a number: '" + printable(field) + "'");
        }
        if (!Float.isFinite(value)) {
            throw new BadRequestException("number " + index + " is " + value + ": events must be finite");
        }
        return value;
    }

    /** The field with control characters escaped, so an error message never carries them raw. */
    static String printable(String field) {
        StringBuilder b = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The outputs as one line of comma-separated floats. */
    static String format(float[] output) {
        return format(output, new StringBuilder(output.length * 12)).toString();
    }

    /** Appends the outputs to {@code b} as one line of comma-separated floats; returns {@code b}. */
    static StringBuilder format(float[] output, StringBuilder b) {
        for (int i = 0; i < output.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(output[i]);
        }
        return b.append('\n');
    }
}
