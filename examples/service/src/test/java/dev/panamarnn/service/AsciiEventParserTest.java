package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The byte parser gives exactly Float.parseFloat's floats, or declines. */
class AsciiEventParserTest {
    private final AsciiEventParser parser = new AsciiEventParser();

    /** Parses one number; asserts it equals Float.parseFloat bit for bit when the parser accepts it; returns whether it did. */
    private boolean check(String number) {
        float[] into = new float[1];
        ByteBuf bytes = Unpooled.copiedBuffer(number, StandardCharsets.US_ASCII);
        boolean accepted = parser.parse(bytes, into);
        if (accepted) {
            float expected = Float.parseFloat(number.strip());
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(into[0]),
                    () -> number + ": expected " + expected + ", got " + into[0]);
        }
        assertEquals(0, bytes.readerIndex());
        return accepted;
    }

    @Test
    void printedFloatsParseBackExactly() {
        Random random = new Random(5);
        int accepted = 0;
        for (int i = 0; i < 50_000; i++) {
            float f = i % 2 == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
            if (Float.isFinite(f) && check(Float.toString(f))) {
                accepted++;
            }
        }
        assertTrue(accepted > 25_000, "most printed floats take the exact path: " + accepted);
    }

    @Test
    void decimalsNextToTheBoundariesBetweenFloatsRoundLikeParseFloat() {
        Random random = new Random(6);
        for (int i = 0; i < 20_000; i++) {
            float f = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(13) - 6));
            BigDecimal boundary = new BigDecimal(f).add(new BigDecimal(Math.nextUp(f))).divide(BigDecimal.TWO);
            for (int digits = 8; digits <= 15; digits++) {
                check(boundary.round(new MathContext(digits)).toString());
                check(boundary.round(new MathContext(digits)).toPlainString());
            }
        }
    }

    @Test
    void readsSeveralFieldsWithSpaces() {
        float[] into = new float[4];
        assertTrue(parser.parse(Unpooled.copiedBuffer(" 1.5 ,\t-2e3,+.25, 7.\r\n", StandardCharsets.US_ASCII), into));
        assertEquals(1.5f, into[0]);
        assertEquals(-2000f, into[1]);
        assertEquals(0.25f, into[2]);
        assertEquals(7f, into[3]);
        assertTrue(check("-0"));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(parse1("-0.000")));
    }

    @Test
    void declinesWhatItDoesNotReadExactly() {
        for (String s : new String[] {"", " ", "1,2", "1,", ",1", "abc", "NaN", "Infinity", "0x1p3", "1.5f", "1e", "1e+", ".", "-",
                "1.2.3", "1e400", "1e-30", "1234567890123456", "3.4028236e38", "\u001b", "1;2", "１"}) {
            assertFalse(parser.parse(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8), new float[1]), s);
        }
        assertFalse(parser.parse(Unpooled.copiedBuffer("1,2", StandardCharsets.US_ASCII), new float[3]), "too few fields");
    }

    private float parse1(String s) {
        float[] into = new float[1];
        assertTrue(parser.parse(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII), into), s);
        return into[0];
    }
}
