package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EventCodecTest {

    @Test
    void outputsParseBackToTheSameBits() throws Exception {
        float[] values = {0f, -0f, 1.1754944E-38f, Float.MIN_VALUE, Float.MAX_VALUE, -123.456f, (float) Math.PI, 3e-7f};
        assertArrayEquals(values, EventCodec.parse(EventCodec.format(values), values.length));
    }

    @Test
    void whitespaceAroundNumbersIsAccepted() throws Exception {
        assertArrayEquals(new float[] {1f, -2.5f}, EventCodec.parse(" 1 , -2.5\n", 2));
    }

    @Test
    void tooLongANumberIsRefused() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> EventCodec.parse("1".repeat(65), 1));
        assertEquals("number 0 is longer than 64 characters", e.getMessage());
        assertEquals(400, e.status());
    }
}
