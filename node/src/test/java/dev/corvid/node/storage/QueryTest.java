package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @TempDir
    Path dir;
    private LogStorage storage;

    @BeforeEach
    void fill() {
        storage = LogStorage.open(StorageOptions.of(dir));
        WriteBatch.Builder batch = WriteBatch.builder();
        String[] names = {"Ayende", "Oren", "Itamar", "Tal", "Maxim"};
        for (int i = 0; i < names.length; i++) {
            batch.put("people/" + (i + 1), "{\"@collection\":\"People\"}",
                    "{\"name\":\"" + names[i] + "\",\"age\":" + (20 + i * 5) + ",\"address\":{\"city\":\""
                            + (i % 2 == 0 ? "Hadera" : "Haifa") + "\"}}", null);
        }
        batch.put("products/1", "{\"@collection\":\"Products\"}", "{\"name\":\"Oren\",\"age\":1}", null);
        storage.write(batch.build());
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private List<String> ids(Query query) {
        return storage.query(query).documents().stream().map(StoredDocument::id).toList();
    }

    @Test
    void equalityFilter_matchesWithinTheCollectionOnly() {
        Query q = new Query("People", List.of(new Query.Filter("name", Query.Op.EQ, JSON.textNode("Oren"))), List.of(), 0, 10);
        assertEquals(List.of("people/2"), ids(q));
    }

    @Test
    void rangeFilters_onNestedAndNumericFields() {
        Query q = new Query("People", List.of(
                new Query.Filter("age", Query.Op.GTE, JSON.numberNode(25)),
                new Query.Filter("age", Query.Op.LT, JSON.numberNode(40.0)),
                new Query.Filter("address.city", Query.Op.EQ, JSON.textNode("Haifa"))), List.of(), 0, 10);
        assertEquals(List.of("people/2", "people/4"), ids(q));
    }

    @Test
    void ordering_andPaging_reportTotalBeforePaging() {
        Query q = new Query("People", List.of(), List.of(new Query.SortKey("age", true)), 1, 2);
        QueryResult result = storage.query(q);
        assertEquals(5, result.totalResults());
        assertEquals(List.of("people/4", "people/3"), result.documents().stream().map(StoredDocument::id).toList());
    }

    @Test
    void ordering_byString_thenById() {
        Query q = new Query("People", List.of(new Query.Filter("name", Query.Op.NE, JSON.textNode("Tal"))),
                List.of(new Query.SortKey("address.city", false)), 0, 10);
        assertEquals(List.of("people/1", "people/3", "people/5", "people/2"), ids(q));
    }

    @Test
    void deletedDocuments_leaveTheCollection() {
        storage.write(WriteBatch.builder().delete("people/1", null).build());
        Query q = new Query("People", List.of(), List.of(), 0, 10);
        assertEquals(4, storage.query(q).totalResults());
    }

    /** Updates keep a document in its collection; a move, a delete and a re-creation change it, also after reopening. */
    @Test
    void collectionMembership_followsUpdatesMovesDeletesAndReopen() {
        storage.write(WriteBatch.builder()
                .put("people/1", "{\"@collection\":\"People\"}", "{\"name\":\"Ayende\",\"age\":99}", null)
                .put("people/2", "{\"@collection\":\"Products\"}", "{\"name\":\"Oren\"}", null)
                .put("people/3", "{}", "{\"name\":\"Itamar\"}", null)
                .delete("people/4", null)
                .build());
        storage.write(WriteBatch.builder().put("people/4", "{\"@collection\":\"People\"}", "{\"name\":\"Tal\"}", null).build());
        Query people = new Query("People", List.of(), List.of(), 0, 10);
        Query products = new Query("Products", List.of(), List.of(), 0, 10);
        assertEquals(List.of("people/1", "people/4", "people/5"), ids(people));
        assertEquals(List.of("people/2", "products/1"), ids(products));
        assertTotals();
        storage.close();
        storage = LogStorage.open(StorageOptions.of(dir));
        assertEquals(List.of("people/1", "people/4", "people/5"), ids(people));
        assertEquals(List.of("people/2", "products/1"), ids(products));
        assertTotals();
        assertEquals(6, storage.documentCount()); // people/3 is live, in no collection
    }

    /** A page's total, read (without filters) from the collection's count, and a page past the end. */
    private void assertTotals() {
        QueryResult page = storage.query(new Query("People", List.of(), List.of(), 1, 1));
        assertEquals(3, page.totalResults());
        assertEquals(List.of("people/4"), page.documents().stream().map(StoredDocument::id).toList());
        assertEquals(2, storage.query(new Query("Products", List.of(), List.of(), 5, 10)).totalResults());
        assertEquals(List.of(), storage.query(new Query("Products", List.of(), List.of(), 5, 10)).documents());
    }

    @Test
    void unknownCollection_isAClearError() {
        UnknownCollectionException e = assertThrows(UnknownCollectionException.class,
                () -> storage.query(new Query("Orders", List.of(), List.of(), 0, 10)));
        assertEquals("unknown collection 'Orders': no document with that @collection was ever stored here", e.getMessage());
    }

    @Test
    void badPaging_isRejected() {
        assertThrows(BadRequestException.class, () -> new Query("People", List.of(), List.of(), -1, 10));
        assertThrows(BadRequestException.class, () -> new Query("People", List.of(), List.of(), 0, 0));
    }
}
