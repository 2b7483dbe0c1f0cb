package dev.corvid.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.client.examples.Person;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.security.CertificateFiles;
import dev.corvid.node.security.LocalCertificates;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.ClusterGrpc;
import dev.corvid.proto.ConfirmStreamRequest;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.HandBackRequest;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PromoteRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.GetRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster with {@code "tls"} (certificates from {@link LocalCertificates}, as {@code
 * scripts/make-certs.sh} makes them), on real node processes: replication and the consistency check
 * (acting as the {@code admin} client) work over TLS, a store with a client certificate reads and
 * writes, each role may do what it covers and is refused the rest ({@code PERMISSION_DENIED} naming
 * the call and the role: a read-only store's save, a read-write Digest or Promote, a client's or
 * another node's replication call), and every other caller is refused with the node up and the
 * data unchanged: a plaintext
 * client (the connection fails), a TLS client without a certificate or with one of another CA
 * ({@code UNAUTHENTICATED}: the handshake verified none), a certificate the config revokes by its
 * serial ({@code UNAUTHENTICATED}), and an expired certificate (the handshake
 * ends with the TLS alert {@code certificate_expired}), the health check still answering, and
 * each refused caller logged once however often it retries. Stats details are for admins. The
 * master pushes only to the replica's own certificate: a server at a replica's address with another
 * node's certificate is sent nothing.
 */
@MultiProcess
class TlsClusterTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aTlsCluster_replicatesAndServesACertifiedClient_andRefusesEveryOtherCaller() throws Exception {
        Path certs = dir.resolve("certs");
        CertificateFiles files = TestCertificates.create(dir, certs);
        // A read-write certificate of the cluster's CA, revoked by the config.
        CertificateFiles.ClientFiles revoked = LocalCertificates.client(certs, "revoked", Instant.now().minusSeconds(3600),
                Instant.now().plusSeconds(3600));
        String revokedSerial = serial(revoked.certificate());

        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3)
                .config("\"tls\": {\"certificates\": \"" + certs.toAbsolutePath() + "\", \"roles\": {\"admin\": \"admin\","
                        + " \"readwrite\": \"readwrite\", \"read\": \"read\", \"revoked\": \"readwrite\"},"
                        + " \"deniedSerials\": [\"" + revokedSerial.toUpperCase(java.util.Locale.ROOT) + "\"]}").start();
             DocumentStore store = certified(new DocumentStore(cluster.address("A"), cluster.address("B"), cluster.address("C")),
                     files);
             DocumentStore onB = certified(new DocumentStore(cluster.address("B")), files)) {
            store.getConventions().setTopologyCacheDirectory(dir.resolve("topology"));
            store.initialize();
            onB.getConventions().setTopologyCacheDirectory(dir.resolve("topology-b"));
            onB.initialize();
            try (DocumentSession session = store.openSession()) {
                session.store(new Person("Ada"), "people/ada");
                session.saveChanges();
            }
            await("people/ada replicated to B over TLS").atMost(DEADLINE).ignoreExceptions().until(() -> {
                try (DocumentSession session = onB.openSession()) {
                    return session.load(Person.class, "people/ada") != null;
                }
            });
            ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(10));
            assertTrue(report.consistent(), report.summary());

            String a = cluster.address("A");
            // Plaintext at a TLS port: the connection fails, nothing is served.
            assertEquals(Status.Code.UNAVAILABLE, getFails(a, InsecureChannelCredentials.create()).getCode());
            // TLS, the cluster's CA trusted, no client certificate: refused, but the probe answers.
            ChannelCredentials anonymous = TlsChannelCredentials.newBuilder().trustManager(files.ca().certificate().toFile()).build();
            Status unauthenticated = getFails(a, anonymous);
            assertEquals(Status.Code.UNAUTHENTICATED, unauthenticated.getCode(), unauthenticated.toString());
            assertTrue(unauthenticated.getDescription().contains("client certificate"), unauthenticated.toString());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(a, anonymous));
            // A certificate of another CA: the handshake does not verify it, so it counts as none.
            LocalCertificates.createCa(dir.resolve("other-ca"), "Not the cluster's CA");
            CertificateFiles.ClientFiles stranger = LocalCertificates.client(dir.resolve("other-ca"), "stranger",
                    Instant.now().minusSeconds(3600), Instant.now().plusSeconds(3600));
            Status strangerStatus = getFails(a, withClient(files, stranger));
            assertEquals(Status.Code.UNAUTHENTICATED, strangerStatus.getCode(), strangerStatus.toString());
            // A certificate the config revokes by its serial, although its name has a role.
            Status revokedStatus = getFails(a, withClient(files, revoked));
            assertEquals(Status.Code.UNAUTHENTICATED, revokedStatus.getCode(), revokedStatus.toString());
            assertTrue(revokedStatus.getDescription().contains("is revoked"), revokedStatus.toString());
            // An expired one of the cluster's CA: the node ends the handshake with the TLS alert that says so.
            CertificateFiles.ClientFiles expired = LocalCertificates.client(certs, "expired",
                    Instant.now().minusSeconds(7200), Instant.now().minusSeconds(3600));
            Status expiredStatus = getFails(a, withClient(files, expired));
            assertEquals(Status.Code.UNAVAILABLE, expiredStatus.getCode(), expiredStatus.toString());
            assertTrue(String.valueOf(expiredStatus.getCause()).contains("CERTIFICATE_EXPIRED"), expiredStatus.toString());
            // Retried, each refusal is logged once by the node, not once per attempt.
            getFails(a, InsecureChannelCredentials.create());
            getFails(a, withClient(files, expired));
            getFails(a, anonymous);
            await("the node's log names each refused caller").atMost(DEADLINE).untilAsserted(() -> {
                String log = Files.readString(cluster.log("A"));
                assertEquals(1, occurrences(log, "before its TLS handshake completed"), log);
                assertEquals(1, occurrences(log, "refused the client certificate CN=expired"), log);
                assertEquals(1, occurrences(log, "only with a client certificate signed by the cluster's CA"), log);
            });

            // Roles: each certificate may do what its role covers, and is told what it lacks.
            ChannelCredentials read = withClient(files, files.clients().get("read"));
            ChannelCredentials readwrite = withClient(files, files.clients().get("readwrite"));
            ChannelCredentials admin = withClient(files, files.clients().get("admin"));
            assertEquals(Boolean.TRUE, call(a, read, c -> DocumentsGrpc.newBlockingStub(c)
                    .get(GetRequest.newBuilder().addIds("people/ada").build()).getResults(0).getFound()));
            assertRefused(a, read, "corvid.v1.Documents/Put needs role readwrite", c -> DocumentsGrpc.newBlockingStub(c)
                    .put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId("people/eve")
                            .setBodyJson(ByteString.copyFromUtf8("{}"))).build()));
            assertRefused(a, readwrite, "corvid.v1.Documents/Digest needs role admin", c -> DocumentsGrpc.newBlockingStub(c)
                    .digest(DigestRequest.getDefaultInstance()).hasNext());
            assertRefused(a, readwrite, "corvid.v1.Cluster/Promote needs role admin", c -> ClusterGrpc.newBlockingStub(c)
                    .promote(PromoteRequest.newBuilder().setNode("B").build()));
            assertEquals(Boolean.TRUE, call(a, admin, c -> DocumentsGrpc.newBlockingStub(c).digest(DigestRequest.getDefaultInstance())
                    .hasNext()));
            // Stats: a reader sees the node's summary, an admin its replicas and counters too.
            NodeStats summary = call(a, read, c -> DocumentsGrpc.newBlockingStub(c).stats(StatsRequest.getDefaultInstance()));
            assertEquals("SERVING", summary.getHealth());
            assertEquals(0, summary.getReplicasCount(), summary.toString());
            assertEquals(0, summary.getWritesServed(), summary.toString());
            NodeStats details = call(a, admin, c -> DocumentsGrpc.newBlockingStub(c).stats(StatsRequest.getDefaultInstance()));
            assertEquals(2, details.getReplicasCount(), details.toString());
            assertTrue(details.getWritesServed() > 0, details.toString());
            // Every RPC of every service, by every role: allowed exactly when the role covers the call.
            assertEveryCallByEveryRole(a, java.util.Map.of("read", read, "readwrite", readwrite, "admin", admin));
            // A read-only store loads, and its saveChanges (an Exchange write) is refused with the role named.
            try (DocumentStore reader = new DocumentStore(cluster.address("A"))) {
                // PEM files, where the other stores take key stores.
                reader.setCertificate(files.clients().get("read").certificate(), files.clients().get("read").key())
                        .setTrustStore(files.ca().certificate());
                reader.getConventions().setTopologyCacheDirectory(dir.resolve("topology-reader"));
                reader.initialize();
                try (DocumentSession session = reader.openSession()) {
                    assertEquals("Ada", session.load(Person.class, "people/ada").getName());
                    session.store(new Person("Eve"), "people/eve");
                    RuntimeException refused = assertThrows(RuntimeException.class, session::saveChanges);
                    assertTrue(String.valueOf(refused.getMessage()).contains("needs role readwrite"), refused.toString());
                }
            }
            // Replication is for nodes, and a node speaks only for itself: a client certificate, and
            // node B's certificate claiming to be master A, are both refused by replica C.
            String c3 = cluster.address("C");
            assertRefused(c3, readwrite, "corvid.v1.Replication/HandBack needs role node", ch -> ReplicationGrpc.newBlockingStub(ch)
                    .handBack(HandBackRequest.newBuilder().setCluster(CorvidTestCluster.NAME).setReplicaName("C").build()));
            ChannelCredentials nodeB = TlsChannelCredentials.newBuilder()
                    .keyManager(files.nodes().get("B").certificate().toFile(), files.nodes().get("B").key().toFile())
                    .trustManager(files.ca().certificate().toFile()).build();
            assertRefused(c3, nodeB, "presents the certificate of 'B'", ch -> ReplicationGrpc.newBlockingStub(ch)
                    .confirmStream(ConfirmStreamRequest.newBuilder().setReplicaName("A").build()));

            // The master pushes only to the certificate of the replica it dials: with C stopped, a
            // server at C's address presenting B's certificate (of the same CA) is refused in the
            // handshake, again at every retry, and is sent nothing.
            cluster.stop("C");
            AtomicInteger handshakes = new AtomicInteger();
            AtomicInteger replicateCalls = new AtomicInteger();
            Server impostor = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1",
                            Integer.parseInt(c3.substring(c3.lastIndexOf(':') + 1))),
                    TlsServerCredentials.newBuilder()
                            .keyManager(files.nodes().get("B").certificate().toFile(), files.nodes().get("B").key().toFile())
                            .trustManager(files.ca().certificate().toFile())
                            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
                    .addTransportFilter(new ServerTransportFilter() {
                        @Override
                        public void transportTerminated(io.grpc.Attributes attributes) {
                            handshakes.incrementAndGet();
                        }
                    })
                    .addService(new ReplicationGrpc.ReplicationImplBase() {
                        @Override
                        public io.grpc.stub.StreamObserver<dev.corvid.proto.ReplicationMessage> replicate(
                                io.grpc.stub.StreamObserver<dev.corvid.proto.ReplicationAck> acks) {
                            replicateCalls.incrementAndGet();
                            acks.onError(Status.UNAVAILABLE.asRuntimeException());
                            return new io.grpc.stub.StreamObserver<>() {
                                public void onNext(dev.corvid.proto.ReplicationMessage m) { }
                                public void onError(Throwable t) { }
                                public void onCompleted() { }
                            };
                        }
                    })
                    .build().start();
            try {
                await("master A dialing the impostor at C's address twice").atMost(DEADLINE)
                        .until(() -> handshakes.get() >= 2 || replicateCalls.get() > 0);
                assertEquals(0, replicateCalls.get(), "the master opened a replication stream to B's certificate at C's address");
            } finally {
                impostor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }

            // The node is up and holds what it held.
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(a, anonymous));
            try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
                assertEquals("Ada", session.load(Person.class, "people/ada").getName());
            }
        }
    }

    @Test
    void aTlsClusterWithAutomaticFailover_electsANewMasterOverMutualTls_andTheStoreWritesThere() throws Exception {
        Path certs = dir.resolve("certs");
        CertificateFiles files = TestCertificates.create(dir, certs);
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3).failover("automatic")
                .config("\"tls\": {\"certificates\": \"" + certs.toAbsolutePath() + "\"}").start();
             DocumentStore store = certified(new DocumentStore(cluster.address("A"), cluster.address("B"), cluster.address("C")),
                     files)) {
            store.getConventions().setTopologyCacheDirectory(dir.resolve("topology"));
            store.initialize();
            // Retried as an application would: a master just started may not hold its lease yet.
            await("a save on master A").atMost(DEADLINE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                save(store, "people/before");
                return true;
            });
            // The Raft port speaks TLS too: a plaintext call there fails to connect (a plaintext
            // server would answer UNIMPLEMENTED).
            String raft = "127.0.0.1:" + ClusterConfig.load(cluster.config()).node("B").consensusPort();
            StatusRuntimeException plaintext = assertThrows(StatusRuntimeException.class,
                    () -> health(raft, InsecureChannelCredentials.create()));
            assertEquals(Status.Code.UNAVAILABLE, plaintext.getStatus().getCode(), plaintext.getStatus().toString());
            cluster.kill("A");
            await("a save on the new master, elected by the Raft group over mutual TLS").atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                        save(store, "people/after");
                        return true;
                    });
            try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
                assertEquals("people/before", session.load(Person.class, "people/before").getName());
            }
        }
    }

    private static void save(DocumentStore store, String id) {
        try (DocumentSession session = store.openSession()) {
            session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(1));
            session.store(new Person(id), id);
            session.saveChanges();
        }
    }

    /** The serial number of the PEM certificate {@code pem}, hexadecimal. */
    private static String serial(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getSerialNumber().toString(16);
        }
    }

    /** The store with the cluster's read-write client certificate and its CA. */
    private static DocumentStore certified(DocumentStore store, CertificateFiles files) {
        return TestCertificates.certified(store, files, "readwrite");
    }

    /** What each call needs, as the README's roles table says it; replication is for nodes only. */
    private static final java.util.Map<String, String> REQUIRED = java.util.Map.ofEntries(
            java.util.Map.entry("corvid.v1.Documents/Get", "read"),
            java.util.Map.entry("corvid.v1.Documents/Query", "read"),
            java.util.Map.entry("corvid.v1.Documents/Topology", "read"),
            java.util.Map.entry("corvid.v1.Documents/Stats", "read"),
            java.util.Map.entry("corvid.v1.Documents/Exchange", "read"),
            java.util.Map.entry("corvid.v1.Documents/Put", "readwrite"),
            java.util.Map.entry("corvid.v1.Documents/Delete", "readwrite"),
            java.util.Map.entry("corvid.v1.Documents/Batch", "readwrite"),
            java.util.Map.entry("corvid.v1.Documents/BatchMany", "readwrite"),
            java.util.Map.entry("corvid.v1.Documents/ReserveIds", "readwrite"),
            java.util.Map.entry("corvid.v1.Documents/Digest", "admin"),
            java.util.Map.entry("corvid.v1.Cluster/Promote", "admin"),
            java.util.Map.entry("corvid.v1.Replication/Replicate", "node"),
            java.util.Map.entry("corvid.v1.Replication/ConfirmStream", "node"),
            java.util.Map.entry("corvid.v1.Replication/HandBack", "node"));
    private static final List<String> RANKS = List.of("read", "readwrite", "admin", "node");

    /**
     * Calls every method of the Documents, Cluster and Replication services with an empty request
     * (ids, names and commands empty: nothing it could change) under each client role: a role too
     * small is refused PERMISSION_DENIED naming the call; any other answer means the call ran.
     */
    private static void assertEveryCallByEveryRole(String address, java.util.Map<String, ChannelCredentials> roles)
            throws Exception {
        List<io.grpc.MethodDescriptor<?, ?>> methods = new java.util.ArrayList<>();
        for (io.grpc.ServiceDescriptor service : List.of(DocumentsGrpc.getServiceDescriptor(),
                ClusterGrpc.getServiceDescriptor(), ReplicationGrpc.getServiceDescriptor())) {
            methods.addAll(service.getMethods());
        }
        assertEquals(REQUIRED.keySet(), methods.stream().map(io.grpc.MethodDescriptor::getFullMethodName)
                .collect(java.util.stream.Collectors.toSet()), "a call the table does not name");
        for (var role : roles.entrySet()) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(address, role.getValue()).build();
            try {
                for (io.grpc.MethodDescriptor<?, ?> method : methods) {
                    Status status = callOnce(channel, method);
                    String name = method.getFullMethodName();
                    boolean allowed = RANKS.indexOf(role.getKey()) >= RANKS.indexOf(REQUIRED.get(name));
                    if (allowed) {
                        assertTrue(status.getCode() != Status.Code.PERMISSION_DENIED
                                && status.getCode() != Status.Code.UNAUTHENTICATED, role.getKey() + " " + name + ": " + status);
                    } else {
                        assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), role.getKey() + " " + name + ": " + status);
                        assertTrue(status.getDescription().contains(name + " needs role " + REQUIRED.get(name)), status.toString());
                    }
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** Sends one empty request and half-closes: OK once an answer comes, else the status the call ended with. */
    @SuppressWarnings("unchecked")
    private static <Q, A> Status callOnce(ManagedChannel channel, io.grpc.MethodDescriptor<Q, A> method) throws Exception {
        java.util.concurrent.CompletableFuture<Status> outcome = new java.util.concurrent.CompletableFuture<>();
        io.grpc.ClientCall<Q, A> call = channel.newCall(method, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
        call.start(new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onMessage(A message) {
                outcome.complete(Status.OK);
            }

            @Override
            public void onClose(Status status, io.grpc.Metadata trailers) {
                outcome.complete(status);
            }
        }, new io.grpc.Metadata());
        call.request(1);
        Q empty = (Q) ((io.grpc.MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller()).getMessagePrototype();
        call.sendMessage(empty);
        call.halfClose();
        Status status = outcome.get(10, TimeUnit.SECONDS);
        call.cancel("answered", null);
        return status;
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static ChannelCredentials withClient(CertificateFiles files, CertificateFiles.ClientFiles client) throws Exception {
        return TlsChannelCredentials.newBuilder().keyManager(client.certificate().toFile(), client.key().toFile())
                .trustManager(files.ca().certificate().toFile()).build();
    }

    private static <T> T call(String address, ChannelCredentials credentials, java.util.function.Function<ManagedChannel, T> rpc) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address, credentials).build();
        try {
            return rpc.apply(channel);
        } finally {
            channel.shutdownNow();
        }
    }

    /** The call is refused PERMISSION_DENIED with {@code why} in its description. */
    private static void assertRefused(String address, ChannelCredentials credentials, String why,
                                      java.util.function.Function<ManagedChannel, ?> rpc) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(address, credentials,
                c -> rpc.apply(c)));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(String.valueOf(e.getStatus().getDescription()).contains(why), e.getStatus().toString());
    }

    /** The status a Get on {@code address} with {@code credentials} fails with (it must fail). */
    private static Status getFails(String address, ChannelCredentials credentials) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address, credentials).build();
        try {
            return assertThrows(StatusRuntimeException.class, () -> DocumentsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).get(GetRequest.newBuilder().addIds("people/ada").build()))
                    .getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    private static HealthCheckResponse.ServingStatus health(String address, ChannelCredentials credentials) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address, credentials).build();
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } finally {
            channel.shutdownNow();
        }
    }
}
