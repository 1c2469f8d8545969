package dev.panamarnn.service;

import io.netty.buffer.ByteBuf;

/**
 * The common case of {@link EventCodec#parse(String, int)} read straight from the body's bytes,
 * without allocating: plain decimal numbers ({@code -12.5}, {@code 3e-2}, {@code .5}) separated by
 * commas, with spaces, tabs, CR or LF around them. It gives exactly the floats
 * {@link Float#parseFloat(String)} gives, or declines: for anything else (other characters, a wrong
 * count, an empty field, more than 15 significant digits, an exponent beyond what a double
 * multiplies exactly) it returns false and the caller parses the body as a String, which also
 * names what is wrong.
 * <p>Exactness: a mantissa m <= 2^53 and a power 10^k with |k| <= 22 are both exact doubles, so
 * {@code m * 10^k} (or {@code m / 10^k}) is the decimal's correctly rounded double d. Every
 * rounding boundary between two floats is itself a double, so when d is not exactly on one, d and the
 * decimal round to the same float; when it is, the parser declines.
 */
final class AsciiEventParser {
    private static final long MAX_EXACT_MANTISSA = 1L << 53;
    private static final int MAX_SIGNIFICANT_DIGITS = 15;
    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    private ByteBuf in;                      // the body being parsed; one parser per connection, on its event loop
    private int at;
    private int end;

    /** Fills {@code into} with the body's floats and returns true, or returns false (see the class comment); never moves the reader index. */
    boolean parse(ByteBuf body, float[] into) {
        in = body;
        at = body.readerIndex();
        end = body.writerIndex();
        try {
            return fields(into);
        } finally {
            in = null;
        }
    }

    private boolean fields(float[] into) {
        for (int i = 0; i < into.length; i++) {
            skipSpaces();
            float value = number();
            if (Float.isNaN(value)) {
                return false;
            }
            into[i] = value;
            skipSpaces();
            boolean last = i == into.length - 1;
            if (last ? at != end : at >= end || in.getByte(at) != ',') {
                return false;
            }
            at++;
        }
        return true;
    }

    private void skipSpaces() {
        while (at < end) {
            byte b = in.getByte(at);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return;
            }
            at++;
        }
    }

    /** The number at {@code at}, or NaN when it is not one this parser reads exactly. */
    private float number() {
        boolean negative = false;
        if (at < end && (in.getByte(at) == '-' || in.getByte(at) == '+')) {
            negative = in.getByte(at) == '-';
            at++;
        }
        long mantissa = 0;
        int significant = 0;
        int digits = 0;
        int scale = 0;                       // digits after the point
        boolean point = false;
        for (; at < end; at++) {
            byte b = in.getByte(at);
            if (b == '.' && !point) {
                point = true;
                continue;
            }
            if (b < '0' || b > '9') {
                break;
            }
            digits++;
            if (point) {
                scale++;
            }
            if (mantissa != 0 || b != '0') {
                if (++significant > MAX_SIGNIFICANT_DIGITS) {
                    return Float.NaN;
                }
                mantissa = mantissa * 10 + (b - '0');
            }
        }
        if (digits == 0) {
            return Float.NaN;
        }
        int exponent = 0;
        if (at < end && (in.getByte(at) == 'e' || in.getByte(at) == 'E')) {
            at++;
            boolean negativeExponent = false;
            if (at < end && (in.getByte(at) == '-' || in.getByte(at) == '+')) {
                negativeExponent = in.getByte(at) == '-';
                at++;
            }
            int exponentDigits = 0;
            for (; at < end && in.getByte(at) >= '0' && in.getByte(at) <= '9'; at++) {
                if (++exponentDigits > 3) {
                    return Float.NaN;
                }
                exponent = exponent * 10 + (in.getByte(at) - '0');
            }
            if (exponentDigits == 0) {
                return Float.NaN;
            }
            exponent = negativeExponent ? -exponent : exponent;
        }
        return exact(negative, mantissa, exponent - scale);
    }

    private static float exact(boolean negative, long mantissa, int power) {
        if (mantissa == 0) {
            return negative ? -0f : 0f;
        }
        if (mantissa > MAX_EXACT_MANTISSA || power < -22 || power > 22) {
            return Float.NaN;
        }
        double d = power >= 0 ? mantissa * POWERS_OF_TEN[power] : mantissa / POWERS_OF_TEN[-power];
        float f = (float) d;
        if (d != f) {
            double neighbour = d > f ? Math.nextUp(f) : Math.nextDown(f);
            if (((double) f + neighbour) / 2 == d) {
                return Float.NaN;            // exactly between two floats: the decimal may not be
            }
        }
        return negative ? -f : f;
    }
}
