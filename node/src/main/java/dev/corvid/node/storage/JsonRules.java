package dev.corvid.node.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The rules every JSON text the node takes in must follow: document bodies and metadata from
 * clients, and query filter values. They are checked once, where the text comes in, so that
 * whatever the node accepts it can always serve, query, sort, replicate and digest.
 * <ul>
 *   <li>UTF-8 only: well-formed (no overlong forms, no encoded surrogates, nothing above
 *       U+10FFFF) and without a byte-order mark (RFC 8259 section 8.1);</li>
 *   <li>exactly one JSON value (an object, for bodies and metadata) and nothing after it; no name
 *       twice in one object;</li>
 *   <li>at most {@value #MAX_NESTING_DEPTH} arrays and objects one inside another;</li>
 *   <li>a number is at most {@value #MAX_NUMBER_LENGTH} characters long, and its exponent (what
 *       follows {@code e} or {@code E}) is from -{@value #MAX_EXPONENT} to {@value #MAX_EXPONENT};</li>
 *   <li>strings and names are Unicode text: an escaped surrogate ({@code \uD83D}) must be one half
 *       of a pair.</li>
 * </ul>
 * A refusal is a {@link BadRequestException} that names the text (e.g. {@code body of 'people/1'}),
 * the rule and, for a value inside it, where it is as a JSON Pointer ({@code /address/zip}).
 *
 * <p>Why numbers are bounded rather than refused outside the range of a double: queries compare
 * numbers exactly, by value (see {@link QueryEngine}), so 1e400 or a 30-digit integer can be stored
 * and compared like any other number. The bounds keep every use of a number cheap: a comparison
 * costs at most the length of the two numbers, and a reader that writes a number out in full
 * digits (a {@code BigInteger}, a plain string) writes at most about 11,000 of them, not the
 * billion digits of {@code 1e999999999}.
 */
public final class JsonRules {

    /** Arrays and objects one inside another, at most: 1,000 (Jackson's own default, named here so an upgrade cannot move it). */
    public static final int MAX_NESTING_DEPTH = 1_000;
    /** Characters of one number (sign, digits, point and exponent), at most: 1,000 (Jackson's default). */
    public static final int MAX_NUMBER_LENGTH = 1_000;
    /** Largest magnitude of a number's exponent, as written: 9,999 (so 1e9999 and 1e-9999 are the extremes of a one-digit number). */
    public static final int MAX_EXPONENT = 9_999;
    /** Characters of a number quoted in an error message, at most. */
    private static final int QUOTED_NUMBER = 40;

    /**
     * The one mapper for the node's JSON: these limits, duplicate names refused, nothing after the
     * value, and floating-point numbers read as exact {@code BigDecimal}s, as written (trailing
     * zeros kept: stripping them costs a division per zero). Shared by every thread: never
     * reconfigure it.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    private JsonRules() {
    }

    /**
     * Checks that {@code json} is one JSON object following these rules, by streaming over it
     * without building a tree, and returns its bytes as sent: a body is stored exactly as written.
     *
     * @param what names the text in an error message, e.g. {@code body of 'people/1'}
     * @throws BadRequestException saying which rule the text breaks; an empty or blank text is refused too
     */
    public static byte[] checkObject(String what, ByteString json) {
        byte[] bytes = checkUtf8(what, json);
        try (JsonParser parser = MAPPER.getFactory().createParser(bytes)) {
            walk(what, parser, true, hasSurrogateEscape(bytes));
        } catch (JsonProcessingException e) {
            throw new BadRequestException(what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    /**
     * {@link #checkObject} and the object as a tree, numbers exact.
     *
     * @throws BadRequestException saying which rule the text breaks
     */
    static ObjectNode parseObject(String what, ByteString json) {
        byte[] bytes = checkObject(what, json);
        try {
            return (ObjectNode) MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(what + " passed the JSON rules but does not parse", e);
        }
    }

    /**
     * Parses one JSON value of any kind (a query's filter value) under the same rules.
     *
     * @param what names the text in an error message, e.g. {@code filter value for 'age'}
     * @throws BadRequestException when the text is empty, more than one value, or breaks a rule
     */
    public static JsonNode parseValue(String what, String json) {
        try (JsonParser parser = MAPPER.getFactory().createParser(json)) {
            walk(what, parser, false, true);
        } catch (JsonProcessingException e) {
            throw new BadRequestException(what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(what + " passed the JSON rules but does not parse", e);
        }
    }

    /**
     * Reads every token of one root value, checking numbers and (when {@code checkText}) strings
     * and names; then insists that nothing follows it.
     */
    private static void walk(String what, JsonParser parser, boolean object, boolean checkText) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw new BadRequestException(what + " is empty; it must be " + (object ? "a JSON object" : "one JSON value"));
        }
        if (object && token != JsonToken.START_OBJECT) {
            throw new BadRequestException(what + " must be a JSON object, was " + describe(token));
        }
        while (true) {
            switch (token) {
                case VALUE_NUMBER_FLOAT -> checkExponent(what, parser);
                case VALUE_STRING, FIELD_NAME -> {
                    if (checkText) {
                        checkSurrogates(what, parser);
                    }
                }
                default -> {
                }
            }
            if (parser.getParsingContext().inRoot()) {
                break;
            }
            token = parser.nextToken();
        }
        if (parser.nextToken() != null) {
            throw new BadRequestException(what + " is not valid JSON: more content after the " + (object ? "object" : "value"));
        }
    }

    /** The exponent is the digits after the last {@code e}/{@code E}; leading zeros do not count. */
    private static void checkExponent(String what, JsonParser parser) throws IOException {
        char[] text = parser.getTextCharacters();
        int start = parser.getTextOffset();
        int end = start + parser.getTextLength();
        int e = end - 1;
        while (e >= start && text[e] != 'e' && text[e] != 'E') {
            e--;
        }
        if (e < start) {
            return;
        }
        int i = e + 1;
        if (i < end && (text[i] == '+' || text[i] == '-')) {
            i++;
        }
        while (i < end - 1 && text[i] == '0') {
            i++;
        }
        int exponent = 0;
        for (; i < end && exponent <= MAX_EXPONENT; i++) {
            exponent = exponent * 10 + (text[i] - '0');
        }
        if (exponent > MAX_EXPONENT) {
            String number = new String(text, start, Math.min(end - start, QUOTED_NUMBER)) + (end - start > QUOTED_NUMBER ? "..." : "");
            throw new BadRequestException(what + ": the number " + number + where(parser)
                    + " is out of range: a number's exponent must be from -" + MAX_EXPONENT + " to " + MAX_EXPONENT);
        }
    }

    private static void checkSurrogates(String what, JsonParser parser) throws IOException {
        char[] text = parser.getTextCharacters();
        int end = parser.getTextOffset() + parser.getTextLength();
        for (int i = parser.getTextOffset(); i < end; i++) {
            char c = text[i];
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text[i + 1])) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new BadRequestException(what + ": the " + (parser.currentToken() == JsonToken.FIELD_NAME ? "name" : "string")
                        + where(parser) + " holds an unpaired surrogate (\\u" + String.format("%04X", (int) c)
                        + "); strings must be Unicode text");
            }
        }
    }

    /** " at /a/0/b", or nothing for the root value. */
    private static String where(JsonParser parser) {
        String pointer = parser.getParsingContext().pathAsPointer().toString();
        return pointer.isEmpty() ? "" : " at " + pointer;
    }

    /**
     * Well-formed UTF-8 and no byte-order mark. The JSON parser would also guess UTF-16 or UTF-32
     * from zero bytes among the first four (those encodings of an ASCII character have one; a JSON
     * text in UTF-8 never starts with one), so those are refused too.
     */
    private static byte[] checkUtf8(String what, ByteString json) {
        if (json == null || isBlank(json)) {
            throw new BadRequestException(what + " is empty; it must be a JSON object");
        }
        boolean zeroAtStart = false;
        for (int i = 0; i < Math.min(4, json.size()); i++) {
            zeroAtStart |= json.byteAt(i) == 0;
        }
        if (zeroAtStart || !json.isValidUtf8()) {
            throw new BadRequestException(what + " is not valid JSON: not UTF-8 text");
        }
        if (json.size() >= 3 && json.byteAt(0) == (byte) 0xEF && json.byteAt(1) == (byte) 0xBB && json.byteAt(2) == (byte) 0xBF) {
            throw new BadRequestException(what + " starts with a byte-order mark (U+FEFF); JSON in UTF-8 must be sent without one");
        }
        return json.toByteArray();
    }

    /** Blank: nothing but JSON whitespace. */
    static boolean isBlank(ByteString json) {
        for (int i = 0; i < json.size(); i++) {
            byte b = json.byteAt(i);
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the text escapes a UTF-16 surrogate ({@code \uD800} to {@code \uDFFF}): in valid
     * UTF-8, the only way a string can hold an unpaired one. Most texts have none, and are spared
     * decoding every string to look.
     */
    private static boolean hasSurrogateEscape(byte[] json) {
        for (int i = 0; i + 3 < json.length; i++) {
            if (json[i] == '\\' && json[i + 1] == 'u' && (json[i + 2] | 0x20) == 'd') {
                int c = json[i + 3] | 0x20;
                if (c == '8' || c == '9' || (c >= 'a' && c <= 'f')) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "ARRAY";
            case VALUE_STRING -> "STRING";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
            case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
            case VALUE_NULL -> "NULL";
            default -> token.toString();
        };
    }
}
