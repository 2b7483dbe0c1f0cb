package dev.corvid.node.storage.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.Query;
import dev.corvid.node.storage.QueryCancelledException;
import dev.corvid.node.storage.QueryResult;
import dev.corvid.node.storage.StoredDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

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

    private QueryEngine() {
    }

    /** Documents read per step of a scan: what a query holds of its collection besides its page. */
    static final int SCAN_STEP = 256;

    /** Where a query reads its collection: the live documents, in id order. */
    public interface Source {

        /** The live documents from the {@code skip}th on, at most {@code take}, and how many there are, at one point in time. */
        QueryResult slice(int skip, int take);

        /** Up to {@code limit} live documents with ids after {@code afterId} (null: from the first), at one point in time. */
        List<StoredDocument> after(String afterId, int limit);

        /** A source over {@code documents}, in id order. */
        static Source of(List<StoredDocument> documents) {
            TreeMap<String, StoredDocument> byId = new TreeMap<>();
            documents.forEach(d -> byId.put(d.id(), d));
            return new Source() {
                @Override
                public QueryResult slice(int skip, int take) {
                    return new QueryResult(byId.values().stream().skip(skip).limit(take).toList(), byId.size());
                }

                @Override
                public List<StoredDocument> after(String afterId, int limit) {
                    return (afterId == null ? byId : byId.tailMap(afterId, false)).values().stream().limit(limit).toList();
                }
            };
        }
    }

    /**
     * The page of the collection {@code source} reads that {@code query} selects, in its order, and
     * how many matched. A query with neither filters nor sort keys reads only its page. Any other
     * reads the collection in steps of {@value #SCAN_STEP} documents, each step at one point in time
     * (a query during writes sees each document once, as of its step), and keeps only what the page
     * may need: the matches up to {@code skip + take} in sort order, or, unsorted, the page itself.
     * So its memory grows with its page, not with the collection.
     */
    public static QueryResult run(Query query, Source source) {
        return run(query, source, () -> false);
    }

    /**
     * {@link #run(Query, Source)} that checks {@code cancelled} before each step of a scan and
     * stops with {@link QueryCancelledException} once it is true: a caller that gave up holds no
     * thread of the node for the rest of its collection.
     */
    public static QueryResult run(Query query, Source source, BooleanSupplier cancelled) {
        if (query.filters().isEmpty() && query.orderBy().isEmpty()) {
            return source.slice(query.skip(), query.take());
        }
        // The fields the filters and sort keys read: the only parts of a body parsed into trees.
        List<String> paths = new ArrayList<>(new LinkedHashSet<>(java.util.stream.Stream.concat(
                query.filters().stream().map(Query.Filter::field), query.orderBy().stream().map(Query.SortKey::field)).toList()));
        BodyFields fields = new BodyFields(paths);
        int[] filterAt = query.filters().stream().mapToInt(f -> paths.indexOf(f.field())).toArray();
        int[] sortAt = query.orderBy().stream().mapToInt(k -> paths.indexOf(k.field())).toArray();
        long wanted = (long) query.skip() + query.take();
        Comparator<Row> order = query.orderBy().isEmpty() ? null : ordering(query.orderBy());
        // Sorted: the best `wanted` matches so far, the worst of them at the head.
        PriorityQueue<Row> best = order == null ? null : new PriorityQueue<>(order.reversed());
        List<StoredDocument> page = new ArrayList<>();
        long matched = 0;
        String after = null;
        long read = 0;
        while (true) {
            if (cancelled.getAsBoolean()) {
                throw new QueryCancelledException(query.collection(), read);
            }
            List<StoredDocument> step = source.after(after, SCAN_STEP);
            read += step.size();
            for (StoredDocument doc : step) {
                JsonNode[] values = read(fields, doc);
                if (!matchesAll(query.filters(), filterAt, values)) {
                    continue;
                }
                matched++;
                if (order == null) {
                    if (matched > query.skip() && page.size() < query.take()) {
                        page.add(doc);
                    }
                    continue;
                }
                List<JsonNode> keys = new ArrayList<>(sortAt.length);
                for (int at : sortAt) {
                    keys.add(values[at]);
                }
                Row row = new Row(doc, keys);
                if (best.size() < wanted) {
                    best.add(row);
                } else if (order.compare(row, best.peek()) < 0) {
                    best.poll();
                    best.add(row);
                }
            }
            if (step.size() < SCAN_STEP) {
                break;
            }
            after = step.get(step.size() - 1).id();
        }
        if (order != null) {
            List<Row> rows = new ArrayList<>(best);
            rows.sort(order);
            page = rows.stream().skip(query.skip()).map(Row::document).toList();
        }
        return new QueryResult(page, matched);
    }

    /** A match of a sorted query: the document and its values of the sort keys (not the whole body). */
    private record Row(StoredDocument document, List<JsonNode> keys) {
    }

    private static JsonNode[] read(BodyFields fields, StoredDocument doc) {
        try {
            return fields.read(doc.bodyJson());
        } catch (IOException e) {
            throw new IllegalStateException("stored body of '" + doc.id() + "' does not parse", e);
        }
    }

    private static boolean matchesAll(List<Query.Filter> filters, int[] at, JsonNode[] values) {
        for (int i = 0; i < at.length; i++) {
            if (!matches(filters.get(i), values[at[i]])) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(Query.Filter filter, JsonNode value) {
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
        for (int i = 0; i < keys.size(); i++) {
            Query.SortKey key = keys.get(i);
            int k = i;
            Comparator<Row> byKey = (a, b) -> compare(a.keys().get(k), b.keys().get(k));
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
