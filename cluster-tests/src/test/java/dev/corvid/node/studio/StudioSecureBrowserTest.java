package dev.corvid.node.studio;

import static dev.corvid.node.studio.StudioPage.DEADLINE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.TestCertificates;
import dev.corvid.client.examples.Person;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.ConfigException;
import dev.corvid.node.security.CertificateFiles;
import dev.corvid.node.security.LocalCertificates;
import dev.corvid.node.security.Tls;
import dev.corvid.probe.MultiProcess;
import dev.corvid.proto.ClusterGrpc;
import dev.corvid.proto.PromoteRequest;
import dev.corvid.proto.PromoteResponse;
import dev.corvid.testing.CorvidTestCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corvid Studio end to end on a TLS cluster whose master a Raft group decides: a Studio with the
 * {@code read} certificate shows the cluster and its documents read-only (no save or delete in
 * the page, its writes and the admin-only consistency check refused in the page's words), a
 * Studio without a certificate of the cluster refuses to start, and a promotion shows as the new
 * master, its epoch in the table and a mark on the charts.
 */
@MultiProcess
class StudioSecureBrowserTest {

    @TempDir
    Path dir;

    @Test
    void aReadOnlyStudio_onATlsCluster_showsButNeverWrites_andMarksAPromotion() throws Exception {
        StudioPage.assumeBrowser();
        Path certs = dir.resolve("certs");
        CertificateFiles files = TestCertificates.create(dir, certs);
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3)
                .failover("manual")
                .config("\"tls\": {\"certificates\": \"" + certs.toAbsolutePath() + "\", \"roles\": {\"admin\": \"admin\","
                        + " \"readwrite\": \"readwrite\", \"read\": \"read\"}}").start()) {
            ClusterConfig config = ClusterConfig.load(cluster.config());
            DocumentStore store = cluster.store(s -> TestCertificates.certified(s, files, "readwrite"));
            try (DocumentSession session = store.openSession()) {
                session.store(new Person("Ada", 36), "people/ada");
                session.saveChanges();
            }

            ConfigException noCertificate = assertThrows(ConfigException.class,
                    () -> StudioServer.start(config, "nobody", "127.0.0.1", 0, Duration.ofMillis(500)).close());
            assertTrue(noCertificate.getMessage().contains("nobody"), noCertificate.getMessage());

            try (StudioServer studio = StudioServer.start(config, "read", "127.0.0.1", 0, Duration.ofMillis(500));
                 StudioPage page = StudioPage.open(studio.url())) {
                await("three nodes UP over TLS").atMost(DEADLINE)
                        .until(() -> List.of("A", "B", "C").stream().allMatch(n -> page.state(n).equals("UP")));
                assertTrue(page.visible("#readonly-banner"), "the read-only banner");
                assertTrue(page.text("#readonly-banner").contains("read"), page.text("#readonly-banner"));
                assertEquals("read", page.text("#identity"));
                assertEquals("1", page.text("#nodes tr[data-node='A'] td.epoch"));
                // The nodes tell a reader no replica progress: the page says so rather than show none.
                assertEquals("admin only", page.text("#nodes tr[data-node='B'] td.lag"));
                assertTrue(page.text("#readonly-banner").contains("admin role only"), page.text("#readonly-banner"));

                page.openDocument("people/ada");
                assertTrue(page.value("#doc-body").contains("Ada"), page.value("#doc-body"));
                assertFalse(page.visible("#save"), "no save for a read-only Studio");
                assertFalse(page.visible("#delete"), "no delete for a read-only Studio");
                HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(studio.url() + "api/document?id=people%2Fada"))
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"etag\":null,\"body\":\"{}\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(403, put.statusCode(), put.body());

                List<?> errors = page.consoleErrors();
                assertTrue(errors.isEmpty(), "console errors: " + errors);

                // (The browser logs the refusal's 403 itself: console errors are not looked at after this.)
                page.click("#run-consistency");
                await("the check refused in the page").atMost(DEADLINE)
                        .until(() -> page.text("#consistency-report").contains("needs the admin role"));

                // A planned promotion of B, asked as admin: the page follows it.
                ManagedChannel admin = NettyChannelBuilder.forTarget(cluster.address("C"),
                        Tls.asClient(config.tls(), "admin")).build();
                try {
                    PromoteResponse promoted = ClusterGrpc.newBlockingStub(admin).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .promote(PromoteRequest.newBuilder().setNode("B").build());
                    assertTrue(promoted.getPromoted(), promoted.toString());
                    assertEquals(2, promoted.getEpoch());
                } finally {
                    admin.shutdownNow();
                }
                await("B master in the page").atMost(DEADLINE).until(() -> page.text("#master").equals("B")
                        && page.text("#nodes tr[data-node='B'] td.role").equals("master"));
                await("epoch 2 in the table").atMost(DEADLINE)
                        .until(() -> page.text("#nodes tr[data-node='B'] td.epoch").equals("2"));
                await("the promotion marked on the lag chart").atMost(DEADLINE)
                        .until(() -> page.count("#lag-chart line.event[data-node='B'][data-event='master']") == 1);
                page.screenshot("promotion", "#cluster-section");
                assertTrue(page.text("#epoch").contains("epoch 2"), page.text("#epoch"));
                await("the document read from the new master").atMost(DEADLINE).until(() -> {
                    page.openDocument("people/ada");
                    return page.text("#doc-etags tr[data-node='B'] td.role").equals("master");
                });
            }
        }
    }
}
