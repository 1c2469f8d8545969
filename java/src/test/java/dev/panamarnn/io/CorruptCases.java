package dev.panamarnn.io;

import static dev.panamarnn.io.SafeTensorsBytes.bytes;
import static dev.panamarnn.io.SafeTensorsBytes.concat;
import static dev.panamarnn.io.SafeTensorsBytes.counting;
import static dev.panamarnn.io.SafeTensorsBytes.file;
import static dev.panamarnn.io.SafeTensorsBytes.lengthField;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hand-made invalid safetensors files, one per kind of problem, each with a fragment its error
 * message must contain. They are also committed as a seed corpus under
 * src/test/resources/modelfiles/corrupt/ (see {@link CorruptFileTest#corpusOnDiskMatchesTheCases}).
 */
final class CorruptCases {
    record Case(String name, byte[] bytes, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private CorruptCases() {}

    /** A valid tensor entry: shape [2, 3], 24 bytes at [begin, begin + 24). */
    static String entry(String name, long begin) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[" + begin + "," + (begin + 24) + "]}";
    }

    static final String A = entry("a", 0);

    static List<Case> all() {
        List<Case> c = new ArrayList<>();
        byte[] d24 = counting(6);
        // ---- the 8-byte length field ----
        c.add(new Case("empty", new byte[0], "file is 0 bytes, too short"));
        c.add(new Case("seven_bytes", new byte[7], "file is 7 bytes, too short"));
        c.add(new Case("header_length_zero", lengthField(0), "header length 0 is not in [2, 100000000]"));
        c.add(new Case("header_length_negative", concat(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), "{}".getBytes(StandardCharsets.US_ASCII)),
                "header length 18446744073709551615 is not in"));
        c.add(new Case("header_length_huge", concat(lengthField(1L << 40), "{}".getBytes(StandardCharsets.US_ASCII)),
                "header length 1099511627776 is not in"));
        c.add(new Case("header_length_past_end", concat(lengthField(1000), "{}".getBytes(StandardCharsets.US_ASCII)),
                "header length 1000 is more than the 2 bytes after the length field"));
        // ---- JSON syntax ----
        c.add(new Case("not_json", file("hello world", new byte[0]), "not valid JSON: expected a value, found 'h'"));
        c.add(new Case("byte_order_mark", file(concat(bytes(0xEF, 0xBB, 0xBF), "{}".getBytes(StandardCharsets.US_ASCII)), new byte[0]),
                "not valid JSON: expected a value, found byte 0xEF"));
        c.add(new Case("header_not_object", file("[]", new byte[0]), "the header must be an object, found an array"));
        c.add(new Case("unterminated_object", file("{" + A + "  ", d24), "unexpected end of the header"));
        c.add(new Case("trailing_comma", file("{" + A + ",}", d24), "trailing comma"));
        c.add(new Case("missing_colon", file("{\"a\" {}}", new byte[0]), "expected ':' after key \"a\""));
        c.add(new Case("missing_comma", file("{" + A + " " + entry("b", 24) + "}", concat(d24, d24)), "expected ',' or '}'"));
        c.add(new Case("data_after_json", file("{" + A + "} x", d24), "unexpected 'x' after the end of the JSON value"));
        c.add(new Case("literal_null", file("{\"__metadata__\":null}", new byte[0]), "true, false and null are not allowed"));
        c.add(new Case("fraction_in_shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", counting(1)),
                "only integers are allowed"));
        c.add(new Case("exponent_in_offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4e0]}}", counting(1)),
                "only integers are allowed"));
        c.add(new Case("leading_zero", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", counting(1)),
                "leading zeros are not allowed"));
        c.add(new Case("integer_overflow", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", counting(1)),
                "integer out of range"));
        c.add(new Case("deep_nesting", file("{\"__metadata__\":" + "[".repeat(10_000) + "}", new byte[0]),
                "__metadata__ must be an object, found an array"));
        c.add(new Case("deep_nesting_in_value", file("[".repeat(10_000), new byte[0]), "the header must be an object"));
        c.add(new Case("control_character", file("{\"a\tb\":{}}", new byte[0]), "control character 0x09 inside a string must be escaped"));
        c.add(new Case("invalid_escape", file("{\"a\\xb\":{}}", new byte[0]), "invalid escape '\\x'"));
        c.add(new Case("short_unicode_escape", file("{\"a\\u12\":{}}", new byte[0]), "expected a hex digit in a \\u escape"));
        c.add(new Case("unpaired_surrogate_escape", file("{\"a\\ud800\":{}}", new byte[0]), "unpaired surrogate"));
        c.add(new Case("unterminated_string", file("{\"abc", new byte[0]), "unterminated string"));
        // ---- UTF-8 ----
        c.add(new Case("invalid_utf8_lead", file(concat(bytes('{', '"', 0xC3, 0x28, '"', ':', '{', '}', '}')), new byte[0]),
                "invalid UTF-8: byte 0x28 after lead byte 0xC3"));
        c.add(new Case("invalid_utf8_continuation_first", file(concat(bytes('{', '"', 0x80, '"', ':', '{', '}', '}')), new byte[0]),
                "invalid UTF-8: byte 0x80 cannot start a character"));
        c.add(new Case("overlong_utf8", file(concat(bytes('{', '"', 0xC0, 0xAF, '"', ':', '{', '}', '}')), new byte[0]),
                "invalid UTF-8: byte 0xC0 cannot start a character"));
        c.add(new Case("utf8_encoded_surrogate", file(concat(bytes('{', '"', 0xED, 0xA0, 0x80, '"', ':', '{', '}', '}')), new byte[0]),
                "invalid UTF-8: byte 0xA0 after lead byte 0xED"));
        c.add(new Case("utf8_above_10FFFF", file(concat(bytes('{', '"', 0xF4, 0x90, 0x80, 0x80, '"', ':', '{', '}', '}')), new byte[0]),
                "invalid UTF-8: byte 0x90 after lead byte 0xF4"));
        c.add(new Case("utf8_cut_by_header_end", file(concat(bytes('{', '"', 0xE2, 0x82)), new byte[0]),
                "invalid UTF-8: sequence cut off by the end of the header"));
        // ---- the safetensors structure ----
        c.add(new Case("dtype_f16", file("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", counting(1)),
                "tensor 'a' has dtype F16; only F32 is supported"));
        c.add(new Case("dtype_not_string", file("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", counting(1)),
                "tensor 'a' dtype must be a string, found an integer"));
        c.add(new Case("missing_dtype", file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", counting(1)), "tensor 'a' has no 'dtype'"));
        c.add(new Case("missing_data_offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", counting(1)), "tensor 'a' has no 'data_offsets'"));
        c.add(new Case("unexpected_key", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"offset\":0}}", counting(1)),
                "tensor 'a' has an unexpected key 'offset'"));
        c.add(new Case("key_twice_in_entry", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[1],\"data_offsets\":[0,4]}}", counting(1)),
                "tensor 'a' has the key 'shape' twice"));
        c.add(new Case("entry_not_object", file("{\"a\":[0,4]}", counting(1)), "tensor 'a' must be an object, found an array"));
        c.add(new Case("duplicate_tensor", file("{" + A + "," + A + "}", d24), "duplicate tensor name 'a'"));
        c.add(new Case("duplicate_metadata", file("{\"__metadata__\":{},\"__metadata__\":{}}", new byte[0]), "duplicate key __metadata__"));
        c.add(new Case("duplicate_metadata_key", file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", new byte[0]),
                "duplicate metadata key 'k'"));
        c.add(new Case("metadata_not_string", file("{\"__metadata__\":{\"k\":1}}", new byte[0]), "metadata 'k' must be a string, found an integer"));
        c.add(new Case("negative_dimension", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", counting(1)),
                "tensor 'a' has dimension -1 in its shape"));
        c.add(new Case("dimension_over_int", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,4]}}", counting(1)),
                "tensor 'a' has dimension 4294967296 in its shape"));
        c.add(new Case("scalar_shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", counting(1)),
                "tensor 'a' has shape []: scalars are not supported"));
        c.add(new Case("seventeen_dimensions", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
                counting(1)), "tensor 'a' has more than 16 dimensions"));
        c.add(new Case("shape_offsets_mismatch", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", counting(5)),
                "tensor 'a' has shape [2, 3]: 6 F32 values need 24 bytes, but data_offsets [0, 20] span 20 bytes"));
        c.add(new Case("element_count_overflow", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}",
                counting(1)), "with more elements than any file can hold"));
        c.add(new Case("element_count_wraps_to_match", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824,16],\"data_offsets\":[0,0]}}",
                new byte[0]), "with more elements than any file can hold"));
        c.add(new Case("three_offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", counting(1)),
                "data_offsets has more than 2 values"));
        c.add(new Case("one_offset", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", counting(1)),
                "data_offsets has 1 value; expected [begin, end]"));
        c.add(new Case("offsets_reversed", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", counting(1)),
                "expected 0 <= begin <= end"));
        c.add(new Case("offsets_negative", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", counting(1)),
                "expected 0 <= begin <= end"));
        c.add(new Case("offsets_beyond_data", file("{" + entry("a", 0) + "," + entry("b", 24) + "}", d24),
                "tensor 'b' has data_offsets [24, 48] beyond the end of the 24-byte data section"));
        c.add(new Case("overlap", file("{" + entry("a", 0) + "," + entry("b", 12) + "}", concat(d24, counting(3))),
                "overlap in the data section"));
        c.add(new Case("gap", file("{" + entry("a", 0) + "," + entry("b", 28) + "}", concat(d24, counting(7))),
                "bytes [24, 28) of the data section belong to no tensor"));
        c.add(new Case("trailing_data", file("{" + A + "}", concat(d24, counting(1))),
                "the last 4 bytes belong to no tensor"));
        c.add(new Case("data_truncated", file("{" + A + "}", Arrays.copyOf(d24, 20)), "beyond the end of the 20-byte data section"));
        return c;
    }
}
