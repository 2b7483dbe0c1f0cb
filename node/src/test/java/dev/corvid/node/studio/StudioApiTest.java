package dev.corvid.node.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.probe.Ports;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Studio's JSON API against a real node: what the page reads, an edit under optimistic
 * concurrency (a stale one answered 409 with both etags), and bad input answered with a clear
 * error that changes nothing.
 */
class StudioApiTest {

    @TempDir
    static Path dir;

    private static CorvidNode node;
    private static StudioServer studio;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        ClusterConfig cluster = ClusterConfig.standalone("127.0.0.1", Ports.freePort(), dir.resolve("node"), Limits.DEFAULT);
        node = CorvidNode.start(cluster, "standalone");
        studio = StudioServer.start(cluster, "admin", "127.0.0.1", 0, Duration.ofMillis(200));
    }

    @AfterAll
    static void stop() {
        studio.close();
        node.close();
    }

    private record Answer(int status, JsonNode body) {
    }

    private static Answer send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(studio.url() + path.substring(1)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    private static String id(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    private static String edit(String etag, String body) {
        ObjectNode edit = JSON.createObjectNode().put("etag", etag).put("body", body);
        edit.put("metadata", "{\"@collection\":\"People\"}");
        return edit.toString();
    }

    @Test
    void theClusterView_namesTheNodeItsStateAndCounts() throws Exception {
        Answer cluster = send("GET", "/api/cluster", null);
        assertEquals(200, cluster.status(), cluster.body().toString());
        assertEquals("standalone", cluster.body().get("master").asText());
        JsonNode a = cluster.body().get("nodes").get(0);
        assertEquals("UP", a.get("state").asText(), a.toString());
        assertEquals("master", a.get("role").asText());
        assertFalse(cluster.body().get("readOnly").asBoolean());
        assertTrue(send("GET", "/api/history", null).body().get("samples").size() >= 1);
    }

    @Test
    void anEdit_isSavedUnderItsEtag_andAStaleOneIsAConcurrencyConflictNamingBothEtags() throws Exception {
        Answer created = send("PUT", "/api/document?id=" + id("people/edit"), edit(null, "{\"name\":\"Ada\"}"));
        assertEquals(200, created.status(), created.body().toString());
        String first = created.body().get("etag").asText();

        Answer read = send("GET", "/api/document?id=" + id("people/edit"), null);
        assertEquals("Ada", read.body().get("body").get("name").asText());
        assertEquals(first, read.body().get("metadata").get("@etag").asText());
        assertEquals("People", read.body().get("metadata").get("@collection").asText());
        assertEquals(first, read.body().get("nodes").get(0).get("etag").asText());

        Answer saved = send("PUT", "/api/document?id=" + id("people/edit"), edit(first, "{\"name\":\"Grace\"}"));
        assertEquals(200, saved.status(), saved.body().toString());
        String second = saved.body().get("etag").asText();

        Answer stale = send("PUT", "/api/document?id=" + id("people/edit"), edit(first, "{\"name\":\"Linus\"}"));
        assertEquals(409, stale.status(), stale.body().toString());
        assertEquals("concurrency", stale.body().get("kind").asText());
        assertEquals(first, stale.body().get("expectedEtag").asText());
        assertEquals(second, stale.body().get("actualEtag").asText());
        assertTrue(stale.body().get("error").asText().startsWith("ConcurrencyException"), stale.body().toString());
        assertEquals("Grace", send("GET", "/api/document?id=" + id("people/edit"), null).body().get("body").get("name").asText());

        Answer listed = send("GET", "/api/collections/People?take=10", null);
        assertEquals(200, listed.status(), listed.body().toString());
        assertTrue(listed.body().get("total").asLong() >= 1);

        Answer deleted = send("DELETE", "/api/document?id=" + id("people/edit") + "&etag=" + second, null);
        assertEquals(200, deleted.status(), deleted.body().toString());
        assertFalse(send("GET", "/api/document?id=" + id("people/edit"), null).body().get("found").asBoolean());
    }

    @Test
    void aReadOnlyStudio_refusesEveryWrite_andSaysSo() throws Exception {
        ClusterConfig cluster = ClusterConfig.standalone("127.0.0.1", Integer.parseInt(node.address().split(":")[1]),
                dir.resolve("node"), Limits.DEFAULT);
        try (StudioServer reader = StudioServer.start(cluster, "read", "127.0.0.1", 0, Duration.ofMillis(200))) {
            HttpRequest put = HttpRequest.newBuilder(URI.create(reader.url() + "api/document?id=" + id("people/ro")))
                    .PUT(HttpRequest.BodyPublishers.ofString(edit(null, "{}"))).build();
            HttpResponse<String> refused = HTTP.send(put, HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("may only read"), refused.body());
            HttpResponse<String> view = HTTP.send(HttpRequest.newBuilder(URI.create(reader.url() + "api/cluster")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(JSON.readTree(view.body()).get("readOnly").asBoolean(), view.body());
        }
        assertFalse(send("GET", "/api/document?id=" + id("people/ro"), null).body().get("found").asBoolean());
    }

    @Test
    void thePage_isServedFromTheJar_andNothingElseIs() throws Exception {
        for (String asset : new String[] {"", "studio.js", "studio.css"}) {
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(studio.url() + asset)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), asset);
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        }
        assertEquals(404, HTTP.send(HttpRequest.newBuilder(URI.create(studio.url() + "../etc/passwd")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void badInput_getsTheNodesClearError_andChangesNothing() throws Exception {
        Answer invalid = send("PUT", "/api/document?id=" + id("people/bad"), edit(null, "{not json"));
        assertEquals(400, invalid.status(), invalid.body().toString());
        assertTrue(invalid.body().get("error").asText().startsWith("body of 'people/bad' is not valid JSON"),
                invalid.body().toString());
        assertFalse(send("GET", "/api/document?id=" + id("people/bad"), null).body().get("found").asBoolean());

        Answer noId = send("GET", "/api/document", null);
        assertEquals(400, noId.status());
        assertTrue(noId.body().get("error").asText().contains("id is required"), noId.body().toString());

        String huge = "{\"x\":\"" + "a".repeat(Limits.DEFAULT.maxDocumentBytes()) + "\"}";
        Answer tooLarge = send("PUT", "/api/document?id=" + id("people/huge"), edit(null, huge));
        assertTrue(tooLarge.status() == 413 || tooLarge.status() == 400, tooLarge.body().toString());
        assertFalse(send("GET", "/api/document?id=" + id("people/huge"), null).body().get("found").asBoolean());

        String beyond = "x".repeat(Limits.DEFAULT.maxRequestBytes() + 1);
        assertEquals(413, send("PUT", "/api/document?id=" + id("people/beyond"), beyond).status());

        assertEquals(400, send("PUT", "/api/document?id=" + id("people/x"), "[1]").status());
        assertEquals(400, send("PUT", "/api/document?id=" + id("people/x"), "{\"etag\":\"nope\",\"body\":\"{}\"}").status());
        assertEquals(400, send("GET", "/api/collections/People?take=100000", null).status());
        assertEquals(404, send("GET", "/api/nothing", null).status());
        assertEquals(405, send("POST", "/api/document?id=" + id("people/x"), "{}").status());
    }
    @Test
    void resolvingADocumentNotInConflict_isRefusedClearly_andChangesNothing() throws Exception {
        Answer created = send("PUT", "/api/document?id=" + id("people/calm"), edit(null, "{\"name\":\"Calm\"}"));
        assertEquals(200, created.status(), created.body().toString());
        String etag = created.body().get("etag").asText();
        String resolve = "/api/document/resolve?id=" + id("people/calm");

        Answer notInConflict = send("POST", resolve, "{\"etag\":\"" + etag + "\",\"version\":0}");
        assertEquals(409, notInConflict.status(), notInConflict.body().toString());
        assertTrue(notInConflict.body().get("error").asText().contains("is not in conflict"), notInConflict.body().toString());

        Answer notAnEtag = send("POST", resolve, "{\"etag\":\"not-an-etag\",\"version\":0}");
        assertEquals(400, notAnEtag.status(), notAnEtag.body().toString());
        assertEquals(400, send("POST", resolve, "{\"etag\":\"" + etag + "\"}").status(), "no version");
        assertEquals(400, send("POST", resolve, "{\"etag\":\"" + etag + "\",\"version\":\"x\"}").status());
        assertEquals(400, send("POST", resolve, "{\"version\":0}").status(), "no etag");
        assertEquals(400, send("POST", "/api/document/resolve", "{}").status(), "no id");
        assertEquals(405, send("GET", resolve, null).status());
        assertEquals(404, send("POST", "/api/document/resolve?id=" + id("people/none"),
                "{\"etag\":\"" + etag + "\",\"version\":0}").status());

        Answer after = send("GET", "/api/document?id=" + id("people/calm"), null);
        assertEquals(etag, after.body().get("etag").asText(), "unchanged");
    }
}
