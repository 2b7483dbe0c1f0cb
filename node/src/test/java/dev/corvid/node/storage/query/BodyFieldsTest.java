package dev.corvid.node.storage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.JsonRules;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The values a query reads from a body, streamed, against the same paths walked in the body's tree. */
class BodyFieldsTest {

    private static final List<String> PATHS = List.of("name", "age", "address", "address.city", "address.geo.lat",
            "tags", "tags.0", "missing", "name.first", "", "a.b.c", "n");

    private static JsonNode walked(JsonNode body, String path) {
        JsonNode node = body;
        for (String part : path.split("\\.", -1)) {
            node = node == null ? null : node.get(part);
        }
        return node == null ? NullNode.getInstance() : node;
    }

    private static void assertSameAsTheTree(String json) throws IOException {
        JsonNode[] streamed = new BodyFields(PATHS).read(ByteString.copyFromUtf8(json));
        JsonNode tree = JsonRules.MAPPER.readTree(json);
        for (int i = 0; i < PATHS.size(); i++) {
            assertEquals(walked(tree, PATHS.get(i)), streamed[i], "'" + PATHS.get(i) + "' of " + json);
        }
    }

    @Test
    void everyPath_findsWhatTheTreeHolds_objectsArraysScalarsAndNothing() throws IOException {
        assertSameAsTheTree("{\"name\":\"Ada\",\"age\":36,\"bio\":\"" + "x".repeat(900) + "\",\"address\":{\"city\":"
                + "\"Haifa\",\"geo\":{\"lat\":32.8,\"lng\":35.0},\"zip\":null},\"tags\":[\"a\",{\"b\":1}],\"\":7,"
                + "\"a\":{\"b\":[1,{\"c\":2}]},\"n\":0.10000000000000000001}");
        assertSameAsTheTree("{\"address\":\"not an object\",\"name\":{\"first\":\"Ada\"},\"a\":{\"b\":{\"c\":{\"d\":1}}}}");
        assertSameAsTheTree("{\"address\":{\"geo\":[1,2]},\"age\":null,\"tags\":{\"0\":\"zero\"}}");
        assertSameAsTheTree("{}");
        assertSameAsTheTree("[1,2,3]");
        assertSameAsTheTree("\"just a string\"");
    }

    @Test
    void numbers_areExact_andOnesABigDecimalCannotHold_becomeInfinite() throws IOException {
        JsonNode[] exact = new BodyFields(List.of("n")).read(ByteString.copyFromUtf8("{\"n\":0.10000000000000000001}"));
        assertEquals("0.10000000000000000001", exact[0].decimalValue().toPlainString());
        JsonNode[] huge = new BodyFields(List.of("n", "m")).read(ByteString.copyFromUtf8("{\"m\":1,\"n\":1e9999999999}"));
        assertTrue(Double.isInfinite(huge[0].doubleValue()), huge[0].toString());
        assertEquals(1, huge[1].intValue());
    }

    @Test
    void aBodyThatIsNotJson_orHoldsAKeyTwice_isAnError_notAMiss() {
        assertThrows(IOException.class, () -> new BodyFields(List.of("b")).read(ByteString.copyFromUtf8("{\"a\":[1,2,\"b\":1}")));
        assertThrows(IOException.class, () -> new BodyFields(List.of("a")).read(ByteString.copyFromUtf8("{\"x\":1,\"x\":2}")));
    }
}
