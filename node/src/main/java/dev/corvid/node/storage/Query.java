package dev.corvid.node.storage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A scan of one collection: every filter must hold; results ordered by the sort keys, then by id;
 * then {@code skip} results are dropped and at most {@code take} returned.
 *
 * <p>A query is checked against every document of its collection, so its size is bounded: at most
 * {@value #MAX_FILTERS} filters, {@value #MAX_SORT_KEYS} sort keys, and field paths of at most
 * {@value #MAX_FIELD_LENGTH} characters.
 *
 * @param collection the {@code @collection} of the documents, e.g. {@code People}
 * @param filters    field conditions, all of which must hold
 * @param orderBy    sort keys, most significant first
 * @param skip       results to drop, at least 0
 * @param take       results to return, at least 1
 * @throws BadRequestException when a bound or a field path rule is broken
 */
public record Query(String collection, List<Filter> filters, List<SortKey> orderBy, int skip, int take) {

    /** Filters of one query, at most: 64. */
    public static final int MAX_FILTERS = 64;
    /** Sort keys of one query, at most: 16. */
    public static final int MAX_SORT_KEYS = 16;
    /** Characters of one field path, at most: 1,024. */
    public static final int MAX_FIELD_LENGTH = 1_024;

    /** Comparison operators. Ranges compare numbers numerically and strings lexicographically. */
    public enum Op { EQ, NE, LT, LTE, GT, GTE }

    /**
     * A condition on a field.
     *
     * @param field a dotted path into the body, e.g. {@code address.city}
     * @param op    the comparison
     * @param value the JSON value compared with; a missing field compares like JSON null
     */
    public record Filter(String field, Op op, JsonNode value) {
        public Filter {
            checkField(field);
        }
    }

    /**
     * @param field      a dotted path into the body
     * @param descending true for largest first
     */
    public record SortKey(String field, boolean descending) {
        public SortKey {
            checkField(field);
        }
    }

    public Query {
        filters = List.copyOf(filters);
        orderBy = List.copyOf(orderBy);
        if (skip < 0) {
            throw new BadRequestException("skip must be 0 or more, was " + skip);
        }
        if (take < 1) {
            throw new BadRequestException("take must be 1 or more, was " + take);
        }
        checkSize(filters.size(), orderBy.size());
    }

    /**
     * Whether a query of this many filters and sort keys is allowed, for callers that want to know
     * before they build the parts.
     *
     * @throws BadRequestException when there are more than {@value #MAX_FILTERS} filters or {@value #MAX_SORT_KEYS} sort keys
     */
    public static void checkSize(int filters, int sortKeys) {
        if (filters > MAX_FILTERS) {
            throw new BadRequestException("a query may have at most " + MAX_FILTERS + " filters, this one has " + filters);
        }
        if (sortKeys > MAX_SORT_KEYS) {
            throw new BadRequestException("a query may have at most " + MAX_SORT_KEYS + " sort keys, this one has " + sortKeys);
        }
    }

    /**
     * A field path is names separated by single dots (no empty name) of at most
     * {@value #MAX_FIELD_LENGTH} characters.
     *
     * @return {@code path}
     * @throws BadRequestException saying what is wrong with it
     */
    public static String checkField(String path) {
        if (path != null && path.length() > MAX_FIELD_LENGTH) {
            throw new BadRequestException("field path is " + path.length() + " characters long; the limit is "
                    + MAX_FIELD_LENGTH + " (starts with '" + path.substring(0, 40) + "')");
        }
        if (path == null || path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new BadRequestException("field path '" + path + "' is not a dotted path like 'address.city'");
        }
        return path;
    }
}
