package dev.corvid.node.rpc;

import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.ServingLimits;
import dev.corvid.node.replication.ReplicaProgress;
import dev.corvid.node.replication.ReplicationStatus;
import dev.corvid.node.replication.WriteAdmission;
import dev.corvid.node.replication.WriteConfirmations;
import dev.corvid.node.replication.WriteConfirmations.Confirmation;
import dev.corvid.node.security.Identity;
import dev.corvid.node.security.Role;
import dev.corvid.node.storage.AnswerTooLargeException;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.IdRange;
import dev.corvid.node.storage.QueryResult;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageUnavailableException;
import dev.corvid.node.storage.StoredDocument;
import dev.corvid.node.storage.WriteBatch;
import dev.corvid.node.storage.WriteResult;
import dev.corvid.proto.BatchManyRequest;
import dev.corvid.proto.BatchManyResponse;
import dev.corvid.proto.BatchOutcome;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterNode;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.ReserveIdsResponse;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.TopologyRequest;
import dev.corvid.proto.WireLimits;
import dev.corvid.proto.WriteOptions;
import dev.corvid.proto.WriteResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Documents gRPC service: validate, call storage, map the error, reply.
 *
 * <p>Handlers run on the transport's own threads (the server uses a direct executor), so none may
 * wait: writes complete when the storage writer is done, and calls that may scan or wait for the
 * disk (queries, large multi-gets, id reservations, Digest pages) move to {@code blocking}; Stats
 * and Topology, which the client and operators use to tell whether a node is well, have a thread of
 * their own ({@code control}), so they never queue behind those. Both executors have bounded
 * queues: a call that finds its queue full fails UNAVAILABLE at once (the client tries another
 * node) instead of waiting behind the others. Streams hold no thread while their reader is slow
 * ({@link Exchange}, {@link DigestStream}).
 */
final class DocumentService extends DocumentsGrpc.DocumentsImplBase {

    private final Storage storage;
    private final ClusterConfig cluster;
    private final NodeConfig self;
    private final NodeCounters counters;
    private final Supplier<String> address;
    private final ReplicationStatus replication;
    /** Whether this node takes a client write now (its role, and on a replica its master's liveness). */
    private final WriteAdmission admission;
    /** Waits for replicas to confirm a write that asks for write assurance. */
    private final WriteConfirmations confirmations;
    /** Who is master now: roles, topology and stats follow it, not the config's roles. */
    private final Mastership mastership;
    private final Executor blocking;
    private final NodeHealth health;
    private final Executor control;
    /** Runs the stall checks of streams ({@link ReaderWatch}). */
    private final ScheduledExecutorService timer;
    private final ServingLimits serving;
    /** What the node tells clients it accepts, in its Topology answer. */
    private final WireLimits wireLimits;
    /** The Exchange streams open now. */
    private final Set<Exchange> exchanges = ConcurrentHashMap.newKeySet();
    /** What all Exchange streams hold for their readers, in bytes (see {@link Exchange}). */
    private final AtomicLong exchangeHeld = new AtomicLong();
    /** Digest streams open now; at most {@code serving.maxDigestStreams}. */
    private final AtomicInteger digests = new AtomicInteger();

    /**
     * @param admission decides whether a client write is taken
     * @param confirmations waits for replicas when a write asks for write assurance
     * @param blocking  runs the calls that may scan or wait, and Digest pages
     * @param control   runs Stats and Topology
     * @param timer     runs the stall checks of streams
     */
    DocumentService(Storage storage, ClusterConfig cluster, NodeConfig self, NodeCounters counters,
                    Supplier<String> address, ReplicationStatus replication, WriteAdmission admission,
                    WriteConfirmations confirmations, Mastership mastership, Executor blocking, Executor control,
                    ScheduledExecutorService timer, NodeHealth health) {
        this.confirmations = confirmations;
        this.mastership = mastership;
        this.blocking = blocking;
        this.admission = admission;
        this.health = health;
        this.control = control;
        this.timer = timer;
        this.serving = cluster.serving();
        this.wireLimits = Messages.wireLimits(cluster.settings());
        this.storage = storage;
        this.replication = replication;
        this.cluster = cluster;
        this.self = self;
        this.counters = counters;
        this.address = address;
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> out) {
        if (largeGet(request)) {
            offload(blocking, out, () -> getAnswer(request));
        } else {
            reply(out, () -> getAnswer(request));
        }
    }

    /** Whether a Get runs on the blocking executor rather than the transport's thread ({@code serving.maxDirectGetIds}). */
    boolean largeGet(GetRequest request) {
        return request.getIdsCount() > serving.maxDirectGetIds();
    }

    /**
     * The answer to a Get. An id asked for more than once is read once (the answer repeats it), so
     * a small request cannot make the node copy one large document many times.
     *
     * @throws StatusRuntimeException RESOURCE_EXHAUSTED when the answer is over {@code serving.maxAnswerBytes}
     */
    GetResponse getAnswer(GetRequest request) {
        List<String> ids = request.getIdsList();
        List<String> distinct = ids.size() > 1 ? List.copyOf(new LinkedHashSet<>(ids)) : ids;
        List<Optional<StoredDocument>> found;
        try {
            found = storage.getAll(distinct, serving.maxAnswerBytes());
        } catch (AnswerTooLargeException e) {
            throw Errors.answerTooLarge(e.getMessage(), serving.maxAnswerBytes(), "ask for fewer documents at once");
        }
        Map<String, dev.corvid.proto.Document> byId = new HashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
            String id = distinct.get(i);
            found.get(i).ifPresent(d -> byId.put(id, Messages.document(d)));
        }
        GetResponse.Builder response = GetResponse.newBuilder();
        for (String id : ids) {
            dev.corvid.proto.Document doc = byId.get(id);
            response.addResultsBuilder().setFound(doc != null)
                    .setDocument(doc != null ? doc : dev.corvid.proto.Document.getDefaultInstance());
        }
        counters.read();
        return checkSize(response.build(), "ask for fewer documents at once");
    }

    /** {@code answer}, unless it is over {@code serving.maxAnswerBytes}: the node never sends (nor buffers) one that is. */
    private <T extends com.google.protobuf.MessageLite> T checkSize(T answer, String advice) {
        int size = answer.getSerializedSize();
        if (size > serving.maxAnswerBytes()) {
            throw Errors.answerTooLarge("the answer is " + size + " bytes", serving.maxAnswerBytes(), advice);
        }
        return answer;
    }

    @Override
    public void put(PutRequest request, StreamObserver<WriteResponse> out) {
        write(out, request.getOptions(), b -> Messages.put(b, request.getPut()).build());
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<WriteResponse> out) {
        write(out, request.getOptions(), b -> Messages.delete(b, request.getDelete()).build());
    }

    @Override
    public void batch(BatchRequest request, StreamObserver<WriteResponse> out) {
        write(out, request.getOptions(), b -> Messages.batch(b, request.getCommandsList()));
    }

    /**
     * Each batch goes its own way through {@link #write}, as a Batch call would; the answer
     * collects their outcomes once all are done. The storage writer usually commits them in one
     * group (one log sync).
     */
    @Override
    public void batchMany(BatchManyRequest request, StreamObserver<BatchManyResponse> out) {
        List<CompletableFuture<BatchOutcome>> outcomes = new ArrayList<>(request.getBatchesCount());
        for (BatchRequest batch : request.getBatchesList()) {
            CompletableFuture<BatchOutcome> outcome = new CompletableFuture<>();
            write(new StreamObserver<>() {
                @Override
                public void onNext(WriteResponse response) {
                    outcome.complete(BatchOutcome.newBuilder().setResponse(response).build());
                }

                @Override
                public void onError(Throwable t) {
                    outcome.complete(BatchOutcome.newBuilder().setError(Errors.rpcStatus(t)).build());
                }

                @Override
                public void onCompleted() {
                }
            }, batch.getOptions(), b -> Messages.batch(b, batch.getCommandsList()));
            outcomes.add(outcome);
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            BatchManyResponse.Builder response = BatchManyResponse.newBuilder();
            outcomes.forEach(o -> response.addOutcomes(o.join()));
            out.onNext(response.build());
            out.onCompleted();
        });
    }

    @Override
    public StreamObserver<ExchangeRequest> exchange(StreamObserver<ExchangeResponse> responses) {
        Exchange exchange = new Exchange(this, (ServerCallStreamObserver<ExchangeResponse>) responses, serving,
                cluster.settings().maxExchangeRequestBytes(), blocking, timer, exchangeHeld, exchanges::remove);
        exchanges.add(exchange);
        exchange.start();
        return exchange;
    }

    /**
     * The node is stopping: every Exchange stream answers the calls it has taken, answers new ones
     * UNAVAILABLE without running them, and then ends UNAVAILABLE, so its client fails over.
     */
    void stopExchanges() {
        exchanges.forEach(Exchange::stop);
    }

    /** What all Exchange streams hold for readers that have not taken it, in bytes. */
    long exchangeHeldBytes() {
        return exchangeHeld.get();
    }

    /**
     * Writes never block a transport thread: the answer goes out when the storage writer is done.
     * Whether the write is taken, and as a failover write, is the {@link WriteAdmission}'s to say.
     */
    private void write(StreamObserver<WriteResponse> out, WriteOptions options,
                       Function<WriteBatch.Builder, WriteBatch> batch) {
        boolean failover;
        AssuranceAsked assurance;
        CompletableFuture<List<WriteResult>> done;
        try {
            assurance = AssuranceAsked.of(options, cluster);
            failover = admission.admit(options.getFailoverWrite()) == WriteAdmission.Admitted.AS_FAILOVER;
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        boolean submitted = false;
        try {
            done = storage.writeAsync(batch.apply(failover
                    ? WriteBatch.failoverBuilder(storage.lastAppliedFrom(mastership.master().name())) : WriteBatch.builder()));
            submitted = true;
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        } finally {
            if (failover) {
                admission.failoverSubmitted(submitted); // the replica's hand-back waits for this
            }
        }
        done.whenComplete((results, error) -> {
            if (error != null) {
                out.onError(Errors.toStatus(error instanceof CompletionException c ? c.getCause() : error));
                return;
            }
            if (!failover && !mastership.mayAcknowledge()) {
                // Paused or cut off past its lease: another node may be master now. The write is in
                // this node's log; it comes back to the new master when this node joins it.
                out.onError(Errors.toStatus(new StorageUnavailableException("node '" + self.name() + "' lost its lease"
                        + " as master of epoch " + mastership.epoch() + " before it could acknowledge the write; it is"
                        + " not acknowledged, and is handed to the next master when this node joins it")));
                return;
            }
            counters.write();
            if (failover) {
                counters.failoverWrite();
            }
            WriteResponse response = Messages.response(results, failover);
            if (assurance.replicas() == 0) {
                answer(out, response);
            } else if (failover) {
                answer(out, Messages.withAssurance(response, Confirmation.unmet(0, "replica '" + self.name()
                        + "' took the write as a failover write while its master is unreachable; a replica pushes"
                        + " to no other node, and the write flows to the master once it is reachable again")));
            } else {
                confirmations.await(Messages.lastEtag(results), assurance.replicas(), assurance.timeout())
                        .thenAccept(confirmation -> answer(out, Messages.withAssurance(response, confirmation)));
            }
        });
    }

    /** This node's role in the current epoch. */
    private NodeConfig.Role role() {
        return mastership.isMaster() ? NodeConfig.Role.MASTER : NodeConfig.Role.REPLICA;
    }

    private static void answer(StreamObserver<WriteResponse> out, WriteResponse response) {
        out.onNext(response);
        out.onCompleted();
    }

    @Override
    public void query(QueryRequest request, StreamObserver<QueryResponse> out) {
        // The call's context, read on the transport thread: cancelled when the client gives up or
        // its deadline passes, which stops a scan of a large collection between two steps.
        io.grpc.Context call = io.grpc.Context.current();
        offload(blocking, out, () -> {
            QueryResult result = storage.query(Messages.query(request, cluster.limits()), call::isCancelled);
            QueryResponse.Builder response = QueryResponse.newBuilder().setTotalResults(result.totalResults());
            result.documents().forEach(d -> response.addDocuments(Messages.document(d)));
            counters.read();
            return checkSize(response.build(), "ask for a smaller page");
        });
    }

    @Override
    public void reserveIds(ReserveIdsRequest request, StreamObserver<ReserveIdsResponse> out) {
        offload(blocking, out, () -> {
            admission.requireMaster();
            IdRange range = storage.reserveIds(request.getCollection(), request.getCount());
            return ReserveIdsResponse.newBuilder().setFirst(range.first()).setLast(range.last()).build();
        });
    }

    @Override
    public void topology(TopologyRequest request, StreamObserver<ClusterTopology> out) {
        offload(control, out, () -> {
            ClusterConfig view = mastership.view();
            NodeConfig master = view.master();
            ClusterTopology.Builder topology = ClusterTopology.newBuilder()
                    .setCluster(cluster.name())
                    .setMaster(ClusterNode.newBuilder().setName(master.name()).setAddress(master.address()))
                    .setAnsweredBy(self.name())
                    .setLimits(wireLimits)
                    .setEpoch(mastership.epoch());
            view.replicas().forEach(r -> topology.addReplicas(Messages.replicaStatus(r, replication.progress(r.name()))));
            return topology.build();
        });
    }

    /**
     * The node's identity, health and counts. The details an operator needs and a reader does not
     * (each replica's progress and address, why the node is not serving, its request counters) go
     * only to an {@code admin} caller on a TLS node; a smaller role gets the summary.
     */
    @Override
    public void stats(StatsRequest request, StreamObserver<NodeStats> out) {
        boolean details = Identity.allows(Role.ADMIN); // before the hop: the identity is the call's context
        offload(control, out, () -> {
            Etag last = storage.lastEtag();
            NodeStats.Builder stats = NodeStats.newBuilder()
                    .setNodeName(self.name())
                    .setRole(role().wireName())
                    .setEpoch(mastership.epoch())
                    .setNodeTag(Etag.nodeTagText(storage.nodeTag()))
                    .setDocumentCount(storage.documentCount())
                    .setLastEtag(Messages.reported(last))
                    .setUptimeMs(counters.uptimeMillis())
                    .setAddress(address.get())
                    .setHealth(health.isServing() ? "SERVING" : "NOT_SERVING")
                    .addAllCollections(storage.collections());
            if (!details) {
                return stats.build();
            }
            for (NodeConfig r : mastership.view().replicas()) {
                Optional<ReplicaProgress> progress = replication.progress(r.name());
                if (progress.isPresent()) {
                    stats.addReplicas(Messages.replicaStatus(r, progress));
                }
            }
            replication.progress(self.name()).flatMap(ReplicaProgress::lastApplied)
                    .ifPresent(e -> stats.setLastAppliedMasterEtag(Messages.reported(e)));
            return stats
                    .setReadsServed(counters.reads())
                    .setWritesServed(counters.writes())
                    .setFailoverWritesAccepted(counters.failoverWrites())
                    .setHealthReason(health.reason())
                    .build();
        });
    }

    /**
     * Streams the node's digest listing (see {@link dev.corvid.node.storage.ContentScan}): on a
     * replica "as of" is the last master etag applied, on the master its own last etag. At most
     * {@code serving.maxDigestStreams} at once (each holds a page, and keeps the index holding what
     * changed since its snapshot until it ends): more fail
     * RESOURCE_EXHAUSTED.
     */
    @Override
    public void digest(DigestRequest request, StreamObserver<DigestPage> observer) {
        int pageSize;
        try {
            pageSize = DigestStream.pageSize(request.getPageSize());
        } catch (RuntimeException e) {
            observer.onError(Errors.toStatus(e));
            return;
        }
        if (digests.incrementAndGet() > serving.maxDigestStreams()) {
            digests.decrementAndGet();
            observer.onError(Errors.tooManyDigestStreams(serving.maxDigestStreams()));
            return;
        }
        new DigestStream((ServerCallStreamObserver<DigestPage>) observer, blocking, timer, serving.readerStallMillis(),
                () -> {
                    ContentScan scan = storage.contentScan(mastership.isMaster() ? null : mastership.master().name());
                    counters.read();
                    return scan;
                },
                scan -> Messages.snapshot(self.withRole(role()), scan), pageSize, digests::decrementAndGet).start();
    }

    /** Runs {@code call} on {@code executor}; a full executor answers UNAVAILABLE. */
    static <T> void offload(Executor executor, StreamObserver<T> out, Supplier<T> call) {
        try {
            executor.execute(() -> reply(out, call));
        } catch (RejectedExecutionException e) {
            out.onError(Errors.overloaded());
        }
    }

    static <T> void reply(StreamObserver<T> out, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
