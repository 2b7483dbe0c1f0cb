package dev.corvid.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.corvid.proto.FieldFilter;
import dev.corvid.proto.OrderBy;
import dev.corvid.proto.QueryRequest;
import java.util.List;
import java.util.Objects;

/**
 * A query over one collection, built fluently and run by {@link #toList()} or
 * {@link #firstOrNull()}. Fields are dotted paths into the document ({@code "address.city"});
 * values are converted to JSON with the conventions' mapper. All filters must hold. Documents equal
 * on every ordering key come back ordered by id. Results are tracked by the session like loaded
 * entities: a document already in the session comes back as the session's instance, and a document
 * the session deleted (not yet saved) is left out.
 *
 * @param <T> the entity type
 */
public final class DocumentQuery<T> {

    private final DocumentSession session;
    private final Class<T> type;
    private final QueryRequest.Builder request;

    DocumentQuery(DocumentSession session, Class<T> type, String collection) {
        this.session = session;
        this.type = type;
        this.request = QueryRequest.newBuilder().setCollection(collection);
    }

    /** Keeps documents whose {@code field} equals {@code value} ({@code null} matches null). */
    public DocumentQuery<T> whereEquals(String field, Object value) {
        return filter(field, FieldFilter.Op.EQ, value);
    }

    /** Keeps documents whose {@code field} does not equal {@code value}. */
    public DocumentQuery<T> whereNotEquals(String field, Object value) {
        return filter(field, FieldFilter.Op.NE, value);
    }

    /** Keeps documents whose {@code field} is greater than {@code value}. */
    public DocumentQuery<T> whereGreaterThan(String field, Object value) {
        return filter(field, FieldFilter.Op.GT, value);
    }

    /** Keeps documents whose {@code field} is greater than or equal to {@code value}. */
    public DocumentQuery<T> whereGreaterThanOrEqual(String field, Object value) {
        return filter(field, FieldFilter.Op.GTE, value);
    }

    /** Keeps documents whose {@code field} is less than {@code value}. */
    public DocumentQuery<T> whereLessThan(String field, Object value) {
        return filter(field, FieldFilter.Op.LT, value);
    }

    /** Keeps documents whose {@code field} is less than or equal to {@code value}. */
    public DocumentQuery<T> whereLessThanOrEqual(String field, Object value) {
        return filter(field, FieldFilter.Op.LTE, value);
    }

    /** Keeps documents whose {@code field} lies between {@code from} and {@code to}, both inclusive. */
    public DocumentQuery<T> whereBetween(String field, Object from, Object to) {
        return whereGreaterThanOrEqual(field, from).whereLessThanOrEqual(field, to);
    }

    /** Orders by the fields, ascending, after any ordering given before. */
    public DocumentQuery<T> orderBy(String... fields) {
        return order(false, fields);
    }

    /** Orders by the fields, descending, after any ordering given before. */
    public DocumentQuery<T> orderByDescending(String... fields) {
        return order(true, fields);
    }

    /**
     * Skips the first {@code count} results.
     *
     * @throws IllegalArgumentException when {@code count} is negative
     */
    public DocumentQuery<T> skip(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("skip must not be negative, got " + count);
        }
        request.setSkip(count);
        return this;
    }

    /**
     * Returns at most {@code count} results. Without it, the node's default page size applies.
     *
     * @throws IllegalArgumentException when {@code count} is below 1
     */
    public DocumentQuery<T> take(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("take must be at least 1, got " + count);
        }
        request.setTake(count);
        return this;
    }

    /**
     * Runs the query (one request). A collection that was never stored gives an empty list.
     * Documents in conflict are resolved as {@link DocumentSession#load(Class, java.util.Collection)}
     * says (one more request each); the resolved version takes the holder's place whether or not
     * it matches the filters, and one resolved by a delete is left out.
     *
     * @throws ConflictException when a result is in conflict and no listener resolves it; nothing
     *                           of this query is tracked
     */
    public List<T> toList() {
        return run(request.build());
    }

    /**
     * Runs the query for its first result only (one request); {@code null} when nothing matches,
     * and when the first match was in conflict and resolved by a delete. Conflicts as {@link #toList()}.
     */
    public T firstOrNull() {
        List<T> results = run(request.clone().setTake(1).build());
        return results.isEmpty() ? null : results.get(0);
    }

    private List<T> run(QueryRequest query) {
        session.checkOpen();
        return session.trackAll(type, session.commands().query(query));
    }

    private DocumentQuery<T> filter(String field, FieldFilter.Op op, Object value) {
        JsonNode tree = value == null ? NullNode.getInstance() : session.converter().mapper().valueToTree(value);
        String json = Metadata.toJson(session.converter().mapper(), tree);
        request.addFilters(FieldFilter.newBuilder().setField(checkField(field)).setOp(op).setValueJson(json));
        return this;
    }

    private DocumentQuery<T> order(boolean descending, String... fields) {
        for (String field : fields) {
            request.addOrderBy(OrderBy.newBuilder().setField(checkField(field)).setDescending(descending));
        }
        return this;
    }

    private static String checkField(String field) {
        Objects.requireNonNull(field, "field");
        if (field.isBlank()) {
            throw new IllegalArgumentException("a query field must not be blank");
        }
        return field;
    }
}
