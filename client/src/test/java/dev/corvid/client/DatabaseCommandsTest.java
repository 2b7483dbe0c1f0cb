package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.probe.MultiProcess;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Raw JSON get/put/delete with expected etags. */
@MultiProcess
class DatabaseCommandsTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    private static ObjectNode body(String name) {
        return JsonNodeFactory.instance.objectNode().put("name", name);
    }

    private static ObjectNode metadata() {
        return JsonNodeFactory.instance.objectNode().put("@collection", "Things");
    }

    @Test
    void putGetDelete_withEtags() {
        DatabaseCommands commands = NODE.store().getDatabaseCommands();
        assertNull(commands.get("things/1"));

        Etag first = commands.put("things/1", Etag.EMPTY, body("one"), metadata());
        JsonDocument document = commands.get("things/1");
        assertEquals(first, document.getEtag());
        assertEquals("one", document.getBody().get("name").asText());
        assertEquals("Things", document.getMetadata().get("@collection").asText());
        assertEquals(first.toString(), document.getMetadata().get("@etag").asText());

        ConcurrencyException exists = assertThrows(ConcurrencyException.class,
                () -> commands.put("things/1", Etag.EMPTY, body("again"), metadata()));
        assertEquals(first, exists.getActualEtag());

        Etag second = commands.put("things/1", first, body("two"), document.getMetadata());
        assertNotEquals(first, second);
        assertTrue(second.compareTo(first) > 0, "a node's etags increase");

        ConcurrencyException stale = assertThrows(ConcurrencyException.class, () -> commands.delete("things/1", first));
        assertEquals("things/1", stale.getDocumentId());
        assertEquals(first, stale.getExpectedEtag());
        assertEquals(second, stale.getActualEtag());

        commands.delete("things/1", second);
        assertNull(commands.get("things/1"));
        commands.delete("things/1", null); // missing: no-op
    }

    @Test
    void textBeyondAscii_roundTripsUnchanged() {
        DatabaseCommands commands = NODE.store().getDatabaseCommands();
        String name = "Zoë Ångström ✓ \uD83D\uDE00 \u0000 \"quoted\"";
        commands.put("things/unicode", null, body(name), metadata().put("note", "naïve"));
        JsonDocument document = commands.get("things/unicode");
        assertEquals(name, document.getBody().get("name").asText());
        assertEquals("naïve", document.getMetadata().get("note").asText());
    }

    @Test
    void get_severalIds_inOrder() {
        DatabaseCommands commands = NODE.store().getDatabaseCommands();
        commands.put("things/a", null, body("a"), metadata());
        commands.put("things/b", null, body("b"), metadata());
        List<JsonDocument> documents = commands.get(List.of("things/b", "things/none", "things/a"));
        assertEquals("things/b", documents.get(0).getId());
        assertNull(documents.get(1));
        assertEquals("things/a", documents.get(2).getId());
        assertEquals(Arrays.asList(null, null), Arrays.asList(documents.get(1), commands.get("things/none")));
    }

    @Test
    void rawJson_roundTripsByteForByte_withEtags_andSessionsReadIt() {
        DatabaseCommands commands = NODE.store().getDatabaseCommands();
        String body = "{\"name\":\"Zoë\",\"age\":36,\"tags\":[1,2]}";
        // @etag and @id are the node's to set: ignored, not stored.
        Etag first = commands.putRaw("people/raw", Etag.EMPTY, body, "{\"@collection\":\"People\",\"@etag\":\"x\"}");
        RawJsonDocument raw = commands.getRaw("people/raw");
        assertEquals("people/raw", raw.getId());
        assertEquals(first, raw.getEtag());
        assertEquals(body, raw.getBodyString());
        assertEquals("People", Jsons.object(raw.getMetadataString()).path("@collection").asText());
        assertFalse(Jsons.object(raw.getMetadataString()).has("@etag"), raw.getMetadataString());
        try (DocumentSession session = NODE.store().openSession()) {
            assertEquals("Zoë", session.load(dev.corvid.client.examples.Person.class, "people/raw").getName());
        }
        ConcurrencyException exists = assertThrows(ConcurrencyException.class,
                () -> commands.putRaw("people/raw", Etag.EMPTY, "{}".getBytes(StandardCharsets.UTF_8), null));
        assertEquals(first, exists.getActualEtag());
        Etag second = commands.putRaw("people/raw", first, "{\"name\":\"Ada\"}".getBytes(StandardCharsets.UTF_8),
                raw.getMetadata());
        assertEquals(Arrays.asList(null, "{\"name\":\"Ada\"}"), Arrays.asList(commands.getRaw(List.of("people/none",
                "people/raw")).get(0), commands.getRaw(List.of("people/none", "people/raw")).get(1).getBodyString()));
        // Not JSON, or not an object: refused by the node, nothing stored.
        for (String bad : List.of("{\"name\":", "[1,2]", "\"text\"", "")) {
            assertThrows(BadRequestException.class, () -> commands.putRaw("people/raw", null, bad, null), bad);
        }
        assertThrows(BadRequestException.class, () -> commands.putRaw("people/raw", null, "{}", "not json"));
        assertEquals(second, commands.getRaw("people/raw").getEtag());
    }

    @Test
    void sessionCommands_countAgainstTheSessionBudget() {
        try (DocumentSession session = NODE.store().openSession()) {
            session.getDatabaseCommands().get("things/whatever");
            assertEquals(1, session.advanced().getNumberOfRequests());
        }
    }
}
