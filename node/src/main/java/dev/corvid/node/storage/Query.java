package dev.corvid.node.storage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A scan of one collection: every filter must hold; results ordered by the sort keys, then by id;
 * then {@code skip} results are dropped and at most {@code take} returned.
 *
 * @param collection the {@code @collection} of the documents, e.g. {@code People}
 * @param filters    field conditions, all of which must hold
 * @param orderBy    sort keys, most significant first
 * @param skip       results to drop, at least 0
 * @param take       results to return, at least 1
 */
public record Query(String collection, List<Filter> filters, List<SortKey> orderBy, int skip, int take) {

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
    }

    /**
     * @param field      a dotted path into the body
     * @param descending true for largest first
     */
    public record SortKey(String field, boolean descending) {
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
    }
}
