package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonRulesTest {

    private static String refusal(String json) {
        return refusal(ByteString.copyFromUtf8(json));
    }

    private static String refusal(ByteString json) {
        return assertThrows(BadRequestException.class, () -> JsonRules.checkObject("body of 'd/1'", json)).getMessage();
    }

    private static void accepted(String json) {
        ByteString bytes = ByteString.copyFromUtf8(json);
        assertArrayEquals(bytes.toByteArray(), JsonRules.checkObject("body of 'd/1'", bytes), "stored as sent");
    }

    private static ByteString bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return ByteString.copyFrom(out);
    }

    @Test
    void checkObject_withByteOrderMark_isRefused() {
        String message = refusal(bytes(0xEF, 0xBB, 0xBF, '{', '}'));
        assertEquals("body of 'd/1' starts with a byte-order mark (U+FEFF); JSON in UTF-8 must be sent without one", message);
    }

    /** Overlong forms, encoded surrogates, code points past U+10FFFF, stray continuation bytes. */
    @Test
    void checkObject_withMalformedUtf8InAString_isRefused() {
        List<int[]> malformed = List.of(
                new int[] {0xC0, 0x80},             // overlong U+0000
                new int[] {0xE0, 0x80, 0xAF},       // overlong '/'
                new int[] {0xED, 0xA0, 0x80},       // U+D800 encoded: a lone surrogate
                new int[] {0xED, 0xB0, 0x80},       // U+DC00 encoded
                new int[] {0xF4, 0x90, 0x80, 0x80}, // U+110000
                new int[] {0x80},                   // continuation byte alone
                new int[] {0xC3});                  // lead byte without its continuation
        for (int[] bad : malformed) {
            ByteString json = ByteString.copyFromUtf8("{\"a\":\"").concat(bytes(bad)).concat(ByteString.copyFromUtf8("\"}"));
            assertEquals("body of 'd/1' is not valid JSON: not UTF-8 text", refusal(json));
        }
    }

    @Test
    void checkObject_withUnpairedSurrogateEscape_isRefused_butAPairIsKept() {
        assertEquals("body of 'd/1': the string at /a/0 holds an unpaired surrogate (\\uD83D); strings must be Unicode text",
                refusal("{\"a\":[\"x\\uD83Dy\"]}"));
        assertTrue(refusal("{\"a\":\"\\udc00\"}").contains("unpaired surrogate (\\uDC00)"));
        assertTrue(refusal("{\"a\":\"\\uDE00\\uD83D\"}").contains("unpaired surrogate"), "a pair in the wrong order");
        assertTrue(refusal("{\"b\":{\"\\uDC00\":1}}").contains("surrogate"), "in a name");
        accepted("{\"a\":\"\\uD83D\\uDE00 and 😀\"}");
        accepted("{\"a\":\"\\\\uD83D is only text\"}");
    }

    @Test
    void checkObject_withExponentOutOfRange_isRefused_namingWhereAndTheRule() {
        assertEquals("body of 'd/1': the number 1e999999999 at /v is out of range: a number's exponent must be from -9999 to 9999",
                refusal("{\"v\":1e999999999}"));
        assertTrue(refusal("{\"a\":[0,{\"b\":[1.5E+10000]}]}").contains("the number 1.5E+10000 at /a/1/b/0 is out of range"));
        assertTrue(refusal("{\"v\":-2e-10000}").contains("-2e-10000 at /v"));
        assertTrue(refusal("{\"v\":1e" + "9".repeat(990) + "}").contains("1e99999999999999999999999999999999999999..."),
                "a long number is quoted shortened");
    }

    @Test
    void checkObject_withExponentAtTheBound_isAccepted_leadingZerosNotCounting() {
        accepted("{\"a\":1e9999,\"b\":-1E-9999,\"c\":[1.25e+0009999],\"d\":1e00000000000000000000005,\"e\":-0,\"f\":-0.0e0}");
    }

    @Test
    void checkObject_withNumberLongerThanTheLimit_isRefused() {
        accepted("{\"v\":" + "9".repeat(JsonRules.MAX_NUMBER_LENGTH) + "}");
        String message = refusal("{\"v\":" + "9".repeat(JsonRules.MAX_NUMBER_LENGTH + 1) + "}");
        assertTrue(message.startsWith("body of 'd/1' is not valid JSON: Number value length (1001) exceeds the maximum allowed (1000"), message);
        assertTrue(refusal("{\"v\":0." + "1".repeat(JsonRules.MAX_NUMBER_LENGTH) + "}").contains("Number value length"));
    }

    @Test
    void checkObject_nestedDeeperThanTheLimit_isRefused() {
        accepted("{\"a\":" + "[".repeat(JsonRules.MAX_NESTING_DEPTH - 1) + "]".repeat(JsonRules.MAX_NESTING_DEPTH - 1) + "}");
        String message = refusal("{\"a\":" + "[".repeat(JsonRules.MAX_NESTING_DEPTH) + "]".repeat(JsonRules.MAX_NESTING_DEPTH) + "}");
        assertTrue(message.contains("nesting depth (1001) exceeds the maximum allowed (1000"), message);
    }

    @Test
    void checkObject_withAnythingButOneObject_isRefused() {
        assertEquals("body of 'd/1' is not valid JSON: more content after the object", refusal("{} {}"));
        assertEquals("body of 'd/1' is not valid JSON: more content after the object", refusal("{}1"));
        assertTrue(refusal("{}}").startsWith("body of 'd/1' is not valid JSON: "));
        assertEquals("body of 'd/1' must be a JSON object, was ARRAY", refusal("[]"));
        assertEquals("body of 'd/1' is empty; it must be a JSON object", refusal(" \n"));
        assertTrue(refusal("{\"a\":1,\"a\":2}").contains("Duplicate field 'a'"));
        assertTrue(refusal("{\"a\":NaN}").startsWith("body of 'd/1' is not valid JSON: "));
    }

    @Test
    void parseValue_isExactlyOneValue_underTheSameRules() {
        assertEquals("filter value for 'v' is not valid JSON: more content after the value",
                assertThrows(BadRequestException.class, () -> JsonRules.parseValue("filter value for 'v'", "1 2")).getMessage());
        assertEquals("filter value for 'v' is empty; it must be one JSON value",
                assertThrows(BadRequestException.class, () -> JsonRules.parseValue("filter value for 'v'", " ")).getMessage());
        assertEquals("filter value for 'v': the number 1e999999999 is out of range: a number's exponent must be from -9999 to 9999",
                assertThrows(BadRequestException.class, () -> JsonRules.parseValue("filter value for 'v'", "1e999999999")).getMessage());
        assertTrue(assertThrows(BadRequestException.class, () -> JsonRules.parseValue("filter value for 'v'", "\"\\uD800\""))
                .getMessage().contains("unpaired surrogate"));
        JsonNode exact = JsonRules.parseValue("filter value for 'v'", "0.10000000000000000001");
        assertEquals(new BigDecimal("0.10000000000000000001"), exact.decimalValue());
        assertEquals(new BigDecimal("1E+9999"), JsonRules.parseValue("filter value for 'v'", "1e9999").decimalValue());
    }
}
