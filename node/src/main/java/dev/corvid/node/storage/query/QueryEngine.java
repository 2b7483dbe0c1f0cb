package dev.corvid.node.storage.query;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.Query;
import dev.corvid.node.storage.QueryResult;
import dev.corvid.node.storage.StoredDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Evaluates a {@link Query} over the documents of a collection.
 *
 * <p>Values compare within their JSON type: numbers numerically, strings by UTF-16 code units,
 * {@code false < true}. Across types the order is null (or missing) &lt; boolean &lt; number &lt;
 * string &lt; array &lt; object. A range filter matches only values of the filter value's type;
 * {@code EQ} matches equal values of the same type (1 equals 1.0); {@code NE} is its negation.
 *
 * <p>Numbers compare exactly, by the value written, never rounded to a double: 0.1 is less than
 * 0.10000000000000000001, 9007199254740993 is more than 9007199254740992, 1e400 is more than
 * 1e308, and -0, 0 and 0.0 are equal. Whole numbers that fit a {@code long} compare as longs, the
 * rest as {@code BigDecimal}s; the bounds of {@link JsonRules} keep each comparison as cheap as the
 * length of the two numbers, whatever their magnitude. The ordering is total, so sorting never
 * fails; and every body a client wrote passed {@link JsonRules} on its way in, so it parses, and
 * one document cannot fail the queries of its collection. (A replica stores the bodies its master
 * sends as they come; checking those again belongs to the replication path.)
 */
public final class QueryEngine {

    /** Reads numbers as doubles, which never fails on a number (out of range becomes infinite). */
    private static final ObjectReader DOUBLES = JsonRules.MAPPER.reader()
            .without(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private QueryEngine() {
    }

    /** The page of {@code candidates} that {@code query} selects, in its order, and how many matched. */
    public static QueryResult run(Query query, List<StoredDocument> candidates) {
        List<Row> matches = new ArrayList<>();
        for (StoredDocument doc : candidates) {
            JsonNode body = parse(doc);
            if (query.filters().stream().allMatch(f -> matches(f, body))) {
                matches.add(new Row(doc, body));
            }
        }
        if (!query.orderBy().isEmpty()) {
            matches.sort(ordering(query.orderBy()));
        }
        List<StoredDocument> page = matches.stream()
                .skip(query.skip())
                .limit(query.take())
                .map(Row::document)
                .toList();
        return new QueryResult(page, matches.size());
    }

    private record Row(StoredDocument document, JsonNode body) {
    }

    /**
     * The body as a tree, numbers exact. A body stored before {@link JsonRules} bounded exponents
     * may hold one a {@code BigDecimal} cannot (beyond about 2.1e9): that body is read with doubles
     * instead, so its numbers out of range become infinite and sort beyond every finite number.
     */
    private static JsonNode parse(StoredDocument doc) {
        try {
            try {
                return JsonRules.MAPPER.readTree(doc.bodyJson().newInput());
            } catch (NumberFormatException e) {
                return DOUBLES.readTree(doc.bodyJson().newInput());
            }
        } catch (IOException e) {
            throw new IllegalStateException("stored body of '" + doc.id() + "' does not parse", e);
        }
    }

    static JsonNode field(JsonNode body, String path) {
        JsonNode node = body;
        for (String part : path.split("\\.", -1)) {
            node = node == null ? null : node.get(part);
        }
        return node == null ? NullNode.getInstance() : node;
    }

    private static boolean matches(Query.Filter filter, JsonNode body) {
        JsonNode value = field(body, filter.field());
        JsonNode wanted = filter.value();
        boolean sameType = rank(value) == rank(wanted);
        int c = sameType ? compare(value, wanted) : 0;
        return switch (filter.op()) {
            case EQ -> sameType && c == 0;
            case NE -> !(sameType && c == 0);
            case LT -> sameType && c < 0;
            case LTE -> sameType && c <= 0;
            case GT -> sameType && c > 0;
            case GTE -> sameType && c >= 0;
        };
    }

    private static Comparator<Row> ordering(List<Query.SortKey> keys) {
        Comparator<Row> order = null;
        for (Query.SortKey key : keys) {
            Comparator<Row> byKey = (a, b) -> compare(field(a.body(), key.field()), field(b.body(), key.field()));
            if (key.descending()) {
                byKey = byKey.reversed();
            }
            order = order == null ? byKey : order.thenComparing(byKey);
        }
        return order.thenComparing(r -> r.document().id());
    }

    static int compare(JsonNode a, JsonNode b) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        if (a.isNumber()) {
            return compareNumbers(a, b);
        }
        if (a.isTextual()) {
            return a.textValue().compareTo(b.textValue());
        }
        if (a.isBoolean()) {
            return Boolean.compare(a.booleanValue(), b.booleanValue());
        }
        if (a.isNull()) {
            return 0;
        }
        return a.toString().compareTo(b.toString());
    }

    /** Exact; see the class comment. Only {@link #parse}'s fallback makes infinite doubles. */
    private static int compareNumbers(JsonNode a, JsonNode b) {
        if (a.isIntegralNumber() && b.isIntegralNumber() && a.canConvertToLong() && b.canConvertToLong()) {
            return Long.compare(a.longValue(), b.longValue());
        }
        int infiniteA = infinity(a);
        int infiniteB = infinity(b);
        if (infiniteA != 0 || infiniteB != 0) {
            return Integer.compare(infiniteA, infiniteB);
        }
        return a.decimalValue().compareTo(b.decimalValue());
    }

    /** 1 for an infinite positive double, -1 for a negative one, else 0. */
    private static int infinity(JsonNode n) {
        return n.isDouble() && Double.isInfinite(n.doubleValue()) ? (n.doubleValue() > 0 ? 1 : -1) : 0;
    }

    private static int rank(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return 0;
        }
        if (n.isBoolean()) {
            return 1;
        }
        if (n.isNumber()) {
            return 2;
        }
        if (n.isTextual()) {
            return 3;
        }
        return n.isArray() ? 4 : 5;
    }
}
