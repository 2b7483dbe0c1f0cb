package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.config.Limits;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.Query;
import dev.corvid.proto.FieldFilter;
import dev.corvid.proto.OrderBy;
import dev.corvid.proto.QueryRequest;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The checks a query request gets on its way from the wire to storage. */
class MessagesTest {

    private static QueryRequest.Builder filtered(String field, String valueJson) {
        return QueryRequest.newBuilder().setCollection("Nums")
                .addFilters(FieldFilter.newBuilder().setField(field).setOp(FieldFilter.Op.EQ).setValueJson(valueJson));
    }

    private static String refusal(QueryRequest.Builder request) {
        return assertThrows(BadRequestException.class, () -> Messages.query(request.build(), Limits.DEFAULT)).getMessage();
    }

    @Test
    void filterValue_withATrailingToken_isRefused() {
        assertEquals("filter value for 'v' is not valid JSON: more content after the value", refusal(filtered("v", "1 2")));
        assertEquals("filter value for 'v' is not valid JSON: more content after the value", refusal(filtered("v", "\"a\"\"b\"")));
    }

    @Test
    void filterValue_withNumberOutOfRange_isRefused_namingTheRule() {
        assertEquals("filter value for 'v': the number 1e999999999 is out of range: a number's exponent must be from -9999 to 9999",
                refusal(filtered("v", "1e999999999")));
    }

    @Test
    void filterValue_farBeyondADoubleButInRange_isKeptExact() {
        Query query = Messages.query(filtered("v", "1e9999").build(), Limits.DEFAULT);
        assertEquals(new BigDecimal("1E+9999"), query.filters().get(0).value().decimalValue());
    }

    @Test
    void filterValue_thatIsAContainerOrEmpty_isRefused() {
        assertEquals("filter on 'v' compares with an ARRAY; only strings, numbers, booleans and null can be compared",
                refusal(filtered("v", "[1]")));
        assertEquals("filter value for 'v' is empty; it must be one JSON value", refusal(filtered("v", "")));
    }

    @Test
    void query_withTooManyFiltersOrSortKeys_isRefused() {
        QueryRequest.Builder filters = QueryRequest.newBuilder().setCollection("Nums");
        QueryRequest.Builder sorts = QueryRequest.newBuilder().setCollection("Nums");
        for (int i = 0; i <= Query.MAX_FILTERS; i++) {
            filters.addFilters(FieldFilter.newBuilder().setField("v").setOp(FieldFilter.Op.EQ).setValueJson("1 2"));
        }
        for (int i = 0; i <= Query.MAX_SORT_KEYS; i++) {
            sorts.addOrderBy(OrderBy.newBuilder().setField("v"));
        }
        assertEquals("a query may have at most 64 filters, this one has 65", refusal(filters));
        assertEquals("a query may have at most 16 sort keys, this one has 17", refusal(sorts));
    }

    @Test
    void query_withTooLongOrEmptyFieldPath_isRefused_withoutEchoingAllOfIt() {
        String message = refusal(filtered("a".repeat(1_000_000), "1"));
        assertTrue(message.startsWith("field path is 1000000 characters long; the limit is 1024"), message);
        assertTrue(message.length() < 200, "the path is not echoed whole");
        assertEquals("field path 'a..b' is not a dotted path like 'address.city'", refusal(filtered("a..b", "1")));
        assertEquals("field path '' is not a dotted path like 'address.city'",
                refusal(QueryRequest.newBuilder().setCollection("Nums").addOrderBy(OrderBy.newBuilder())));
    }

    @Test
    void query_withNegativeOrHugePaging_isRefused() {
        assertEquals("take must be from 1 to 1024, was -1", refusal(QueryRequest.newBuilder().setCollection("Nums").setTake(-1)));
        assertEquals("take must be from 1 to 1024, was 2147483647",
                refusal(QueryRequest.newBuilder().setCollection("Nums").setTake(Integer.MAX_VALUE)));
        assertEquals("skip must be 0 or more, was -1", refusal(QueryRequest.newBuilder().setCollection("Nums").setSkip(-1)));
        assertEquals(Integer.MAX_VALUE, Messages.query(QueryRequest.newBuilder().setCollection("Nums")
                .setSkip(Integer.MAX_VALUE).build(), Limits.DEFAULT).skip(), "skipping past the end is an empty page, not an error");
    }
    @Test
    void aSortedQuery_reachingPastTheSortedWindow_isRefused_anUnsortedOneIsNot() {
        QueryRequest.Builder sorted = QueryRequest.newBuilder().setCollection("Nums").addOrderBy(OrderBy.newBuilder().setField("v"))
                .setSkip(Limits.DEFAULT.maxSortedWindow() - 10).setTake(10);
        assertEquals(Limits.DEFAULT.maxSortedWindow() - 10, Messages.query(sorted.build(), Limits.DEFAULT).skip(), "at the window");
        assertEquals("skip + take of a query with sort keys must be at most limits.maxSortedWindow (10000), was 10001:"
                + " page further with a filter on the sort key instead", refusal(sorted.setTake(11)));
        assertEquals("skip + take of a query with sort keys must be at most limits.maxSortedWindow (10000), was 2147483658:"
                + " page further with a filter on the sort key instead", refusal(sorted.setSkip(Integer.MAX_VALUE)));
        QueryRequest.Builder unsorted = QueryRequest.newBuilder().setCollection("Nums").setSkip(Integer.MAX_VALUE).setTake(10);
        assertEquals(10, Messages.query(unsorted.build(), Limits.DEFAULT).take(), "an unsorted query holds only its page");
    }
}
