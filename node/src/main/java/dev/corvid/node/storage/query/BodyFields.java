package dev.corvid.node.storage.query;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.JsonRules;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The values at a few dotted paths of a JSON body, read in one pass of its tokens: only those
 * values become trees, everything else is skipped (a 1 KB body with a 900-character string costs a
 * scan of the string, not a copy). A path {@code a.b} names member {@code b} of the object that is
 * member {@code a} of the body: it descends through objects only, and a value not there is JSON
 * null. Numbers are exact as {@link JsonRules} reads them.
 */
final class BodyFields {

    /** Values read exactly; a reader mid-stream, so the whole-document trailing-token check is off. */
    private static final ObjectReader EXACT = JsonRules.MAPPER.reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** Numbers as doubles, never failing on one (out of range becomes infinite). */
    private static final ObjectReader DOUBLES = EXACT.without(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** The paths as a tree of names; a node where a path ends lists its index. */
    private static final class Step {
        final Map<String, Step> next = new HashMap<>();
        final List<Integer> ends = new ArrayList<>();
    }

    private final Step root = new Step();
    private final int count;

    /** For the dotted {@code paths}; {@link #read} answers in their order. */
    BodyFields(List<String> paths) {
        for (int i = 0; i < paths.size(); i++) {
            Step step = root;
            for (String part : paths.get(i).split("\\.", -1)) {
                step = step.next.computeIfAbsent(part, p -> new Step());
            }
            step.ends.add(i);
        }
        this.count = paths.size();
    }

    /**
     * The value at each path in {@code body}, JSON null where there is none. A body stored before
     * {@link JsonRules} bounded exponents may hold a number a {@code BigDecimal} cannot (beyond
     * about 2.1e9): it is read with doubles instead, so such numbers become infinite.
     *
     * @throws IOException when the body is not JSON
     */
    JsonNode[] read(ByteString body) throws IOException {
        try {
            return read(body, EXACT);
        } catch (NumberFormatException e) {
            return read(body, DOUBLES);
        }
    }

    private JsonNode[] read(ByteString body, ObjectReader values) throws IOException {
        JsonNode[] out = new JsonNode[count];
        try (InputStream in = body.newInput(); JsonParser p = values.createParser(in)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                object(p, root, values, out);
            }
        }
        for (int i = 0; i < count; i++) {
            if (out[i] == null) {
                out[i] = NullNode.getInstance();
            }
        }
        return out;
    }

    /** Reads the object {@code p} stands at the start of, to its end, filling what {@code step} asks. */
    private static void object(JsonParser p, Step step, ObjectReader values, JsonNode[] out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            Step next = step.next.get(p.currentName());
            JsonToken value = p.nextToken();
            if (next == null) {
                p.skipChildren();
            } else if (!next.ends.isEmpty()) {
                // Wanted itself: read as a tree, and any longer path below it from that tree.
                JsonNode node = values.readTree(p);
                fill(node, next, out);
            } else if (value == JsonToken.START_OBJECT) {
                object(p, next, values, out);
            } else {
                p.skipChildren(); // a longer path through a value that is not an object: none there
            }
        }
    }

    /** {@code node} for the paths ending at {@code step}, and what lies below it for the longer ones. */
    private static void fill(JsonNode node, Step step, JsonNode[] out) {
        for (int i : step.ends) {
            out[i] = node;
        }
        if (node.isObject()) {
            step.next.forEach((name, below) -> {
                JsonNode child = node.get(name);
                if (child != null) {
                    fill(child, below, out);
                }
            });
        }
    }
}
