package dev.corvid.node.storage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.Query;
import dev.corvid.node.storage.StoredDocument;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the query engine compares values, on documents handed to it directly. */
class QueryEngineTest {

    private static final Etag ETAG = Etag.parse("01000000-0000-0001-0000-000000000001");

    /** One document per body, ids d/0, d/1, ... in order. */
    private static List<StoredDocument> docs(String... bodies) {
        List<StoredDocument> docs = new ArrayList<>();
        for (int i = 0; i < bodies.length; i++) {
            docs.add(new StoredDocument("d/" + i, ETAG, ByteString.copyFromUtf8("{}"), ByteString.copyFromUtf8(bodies[i])));
        }
        return docs;
    }

    private static Query.Filter filter(String field, Query.Op op, String value) {
        return new Query.Filter(field, op, JsonRules.parseValue("filter value", value));
    }

    private static List<String> ids(List<StoredDocument> docs, List<Query.Filter> filters, List<Query.SortKey> order) {
        return QueryEngine.run(new Query("C", filters, order, 0, 1000), QueryEngine.Source.of(docs)).documents().stream().map(StoredDocument::id).toList();
    }

    private static List<String> sorted(List<StoredDocument> docs, boolean descending) {
        return ids(docs, List.of(), List.of(new Query.SortKey("v", descending)));
    }

    @Test
    void numbers_compareExactly_notRoundedToDoubles() {
        List<StoredDocument> docs = docs("{\"v\":0.1}", "{\"v\":0.10000000000000000001}", "{\"v\":9007199254740993}",
                "{\"v\":9007199254740992.0}", "{\"v\":123456789012345678901234567890}");
        assertEquals(List.of("d/1"), ids(docs, List.of(filter("v", Query.Op.GT, "0.1"), filter("v", Query.Op.LT, "1")), List.of()));
        assertEquals(List.of("d/2"), ids(docs, List.of(filter("v", Query.Op.EQ, "9007199254740993")), List.of()));
        assertEquals(List.of("d/3"), ids(docs, List.of(filter("v", Query.Op.EQ, "9007199254740992")), List.of()));
        assertEquals(List.of("d/0", "d/1", "d/3", "d/2", "d/4"), sorted(docs, false));
    }

    @Test
    void numbersFarBeyondADouble_filterAndSort_withoutFailing() {
        List<StoredDocument> docs = docs("{\"v\":1e9999}", "{\"v\":-1e9999}", "{\"v\":1e-9999}", "{\"v\":1e308}",
                "{\"v\":1.7976931348623157e309}", "{\"v\":0}", "{\"v\":" + "9".repeat(1000) + "}");
        assertEquals(List.of("d/1", "d/5", "d/2", "d/3", "d/4", "d/6", "d/0"), sorted(docs, false));
        assertEquals(List.of("d/0", "d/6", "d/4", "d/3", "d/2", "d/5", "d/1"), sorted(docs, true));
        assertEquals(List.of("d/0", "d/4", "d/6"), ids(docs, List.of(filter("v", Query.Op.GT, "1e308")), List.of()));
        assertEquals(List.of(), ids(docs, List.of(filter("v", Query.Op.GT, "1e9999")), List.of()));
        assertEquals(List.of("d/2"), ids(docs, List.of(filter("v", Query.Op.EQ, "0.0001e-9995")), List.of()));
    }

    @Test
    void negativeZero_equalsZero() {
        List<StoredDocument> docs = docs("{\"v\":-0}", "{\"v\":0.0}", "{\"v\":-0.0e5}", "{\"v\":1}");
        assertEquals(List.of("d/0", "d/1", "d/2"), ids(docs, List.of(filter("v", Query.Op.EQ, "0")), List.of()));
        assertEquals(List.of("d/0", "d/1", "d/2"), ids(docs, List.of(filter("v", Query.Op.EQ, "-0")), List.of()));
        assertEquals(List.of("d/0", "d/1", "d/2", "d/3"), sorted(docs, false), "equal values order by id");
    }

    /**
     * A body accepted before exponents were bounded (here straight into the engine) still serves
     * its collection's queries: this exact document used to fail every query filtering or sorting on v.
     */
    @Test
    void bodyStoredBeforeTheExponentBound_neverFailsItsCollectionsQueries() {
        List<StoredDocument> docs = docs("{\"v\":1e999999999}", "{\"v\":1e9999999999}", "{\"v\":-1e9999999999}",
                "{\"v\":5}", "{\"v\":\"text\"}");
        assertEquals(List.of("d/2", "d/3", "d/0", "d/1", "d/4"), sorted(docs, false));
        assertEquals(List.of("d/0", "d/1"), ids(docs, List.of(filter("v", Query.Op.GT, "1e9999")), List.of()));
        assertEquals(List.of("d/3"), ids(docs, List.of(filter("v", Query.Op.EQ, "5")), List.of()));
    }

    /**
     * Sorting relies on a total order: any mix of types and magnitudes must compare consistently
     * (antisymmetric and transitive), infinite doubles of bodies read by the fallback included.
     */
    @Test
    void ordering_isTotal_overMixedValues() throws Exception {
        String[] values = {"null", "true", "false", "0", "-0", "0.0", "1", "1.0", "-1", "1e400", "-1e400", "1e-400",
                "123456789012345678901234567890", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "\"a\"", "\"b\"", "[1]", "[1e400]", "{\"x\":1}"};
        List<JsonNode> nodes = new ArrayList<>();
        for (String v : values) {
            nodes.add(JsonRules.MAPPER.readTree(v));
        }
        nodes.addAll(List.of(DoubleNode.valueOf(Double.POSITIVE_INFINITY), DoubleNode.valueOf(Double.NEGATIVE_INFINITY),
                DoubleNode.valueOf(1.5), DoubleNode.valueOf(-0.0)));
        for (JsonNode a : nodes) {
            for (JsonNode b : nodes) {
                assertEquals(Integer.signum(QueryEngine.compare(a, b)), -Integer.signum(QueryEngine.compare(b, a)), a + " vs " + b);
                for (JsonNode c : nodes) {
                    if (QueryEngine.compare(a, b) <= 0 && QueryEngine.compare(b, c) <= 0) {
                        assertTrue(QueryEngine.compare(a, c) <= 0, a + " <= " + b + " <= " + c);
                    }
                }
            }
        }
    }

    /** Sorting on a container compares its text, which is written recursively: as deep as allowed must not overflow. */
    @Test
    void sortingOnDeeplyNestedValues_doesNotOverflowTheStack() {
        int depth = JsonRules.MAX_NESTING_DEPTH - 1;
        String deep = "[".repeat(depth) + "1" + "]".repeat(depth);
        String deeper = "[".repeat(depth) + "2" + "]".repeat(depth);
        List<StoredDocument> docs = docs("{\"v\":" + deeper + "}", "{\"v\":" + deep + "}");
        assertEquals(List.of("d/1", "d/0"), sorted(docs, false));
    }
    /**
     * Pages of a collection several scan steps long, with filters, sort keys with ties, and every
     * kind of skip and take, against the whole collection filtered and sorted in one piece: the
     * same page and the same total, while the engine never asks for more than a step at a time.
     */
    @Test
    void pagesOfALargeCollection_areThoseOfTheWholeCollectionSorted_readInBoundedSteps() {
        java.util.Random random = new java.util.Random(20261203);
        int n = 3 * QueryEngine.SCAN_STEP + 17;
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bodies.add("{\"group\":" + random.nextInt(7) + ",\"v\":" + random.nextInt(1000) + ",\"s\":\"" + (char) ('a' + random.nextInt(5)) + "\"}");
        }
        List<StoredDocument> docs = docs(bodies.toArray(String[]::new));
        java.util.Collections.shuffle(docs, random);
        int[] largestStep = {0};
        int[] slices = {0};
        QueryEngine.Source all = QueryEngine.Source.of(docs);
        QueryEngine.Source counted = new QueryEngine.Source() {
            @Override
            public dev.corvid.node.storage.QueryResult slice(int skip, int take) {
                slices[0]++;
                return all.slice(skip, take);
            }

            @Override
            public List<StoredDocument> after(String afterId, int limit) {
                largestStep[0] = Math.max(largestStep[0], limit);
                return all.after(afterId, limit);
            }
        };
        List<List<Query.Filter>> filterings = List.of(List.of(), List.of(filter("group", Query.Op.LT, "3")),
                List.of(filter("s", Query.Op.NE, "\"c\""), filter("v", Query.Op.GTE, "100")));
        List<List<Query.SortKey>> sortings = List.of(List.of(), List.of(new Query.SortKey("s", false)),
                List.of(new Query.SortKey("group", true), new Query.SortKey("v", false)));
        for (List<Query.Filter> filters : filterings) {
            for (List<Query.SortKey> order : sortings) {
                for (int[] page : new int[][] {{0, 1}, {0, 25}, {5, 300}, {250, 10}, {700, 500}, {n + 5, 10}, {0, 10_000}}) {
                    Query query = new Query("C", filters, order, page[0], page[1]);
                    dev.corvid.node.storage.QueryResult got = QueryEngine.run(query, counted);
                    List<StoredDocument> matching = new ArrayList<>(docs.stream()
                            .filter(d -> filters.stream().allMatch(f -> reference(f, d))).toList());
                    matching.sort(referenceOrder(order));
                    List<String> expected = matching.stream().skip(page[0]).limit(page[1]).map(StoredDocument::id).toList();
                    String what = filters + " " + order + " skip " + page[0] + " take " + page[1];
                    assertEquals(expected, got.documents().stream().map(StoredDocument::id).toList(), what);
                    assertEquals(matching.size(), got.totalResults(), what);
                }
            }
        }
        assertEquals(QueryEngine.SCAN_STEP, largestStep[0], "a scan reads a step at a time");
        assertEquals(7, slices[0], "a query with neither filters nor sort keys reads only its page");
    }

    /** A scan asks whether its caller gave up before each step, and stops at the first yes. */
    @Test
    void aScan_stopsBetweenSteps_onceItsCallerGaveUp() {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3 * QueryEngine.SCAN_STEP; i++) {
            bodies.add("{\"v\":" + i + "}");
        }
        QueryEngine.Source all = QueryEngine.Source.of(docs(bodies.toArray(String[]::new)));
        int[] steps = {0};
        QueryEngine.Source counted = new QueryEngine.Source() {
            @Override
            public dev.corvid.node.storage.QueryResult slice(int skip, int take) {
                return all.slice(skip, take);
            }

            @Override
            public List<StoredDocument> after(String afterId, int limit) {
                steps[0]++;
                return all.after(afterId, limit);
            }
        };
        Query filtered = new Query("C", List.of(filter("v", Query.Op.GTE, "0")), List.of(), 0, 10);
        dev.corvid.node.storage.QueryCancelledException stopped = org.junit.jupiter.api.Assertions.assertThrows(
                dev.corvid.node.storage.QueryCancelledException.class,
                () -> QueryEngine.run(filtered, counted, () -> steps[0] >= 1));
        assertEquals(1, steps[0], "one step read, then it stopped");
        assertTrue(stopped.getMessage().contains("after " + QueryEngine.SCAN_STEP + " documents"), stopped.getMessage());
        steps[0] = 0;
        assertEquals(3L * QueryEngine.SCAN_STEP, QueryEngine.run(filtered, counted, () -> false).totalResults());
        assertEquals(4, steps[0], "three full steps and the empty one that ends the scan");
    }

    private static JsonNode body(StoredDocument d) {
        return JsonRules.parseValue("body", d.bodyJson().toStringUtf8());
    }

    /** The filter, evaluated on its own: the fields of these tests are whole numbers or strings. */
    private static boolean reference(Query.Filter f, StoredDocument d) {
        JsonNode v = body(d).get(f.field());
        int c = v.isNumber() ? Long.compare(v.longValue(), f.value().longValue()) : v.asText().compareTo(f.value().asText());
        return switch (f.op()) {
            case EQ -> c == 0;
            case NE -> c != 0;
            case LT -> c < 0;
            case LTE -> c <= 0;
            case GT -> c > 0;
            case GTE -> c >= 0;
        };
    }

    private static java.util.Comparator<StoredDocument> referenceOrder(List<Query.SortKey> keys) {
        java.util.Comparator<StoredDocument> order = (a, b) -> 0;
        for (Query.SortKey key : keys) {
            java.util.Comparator<StoredDocument> byKey = (a, b) -> {
                JsonNode x = body(a).get(key.field());
                JsonNode y = body(b).get(key.field());
                return x.isNumber() ? Long.compare(x.longValue(), y.longValue()) : x.asText().compareTo(y.asText());
            };
            order = order.thenComparing(key.descending() ? byKey.reversed() : byKey);
        }
        return order.thenComparing(StoredDocument::id);
    }
}
