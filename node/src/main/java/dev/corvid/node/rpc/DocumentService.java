package dev.corvid.node.rpc;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.replication.ReplicaApplier;
import dev.corvid.node.replication.ReplicaProgress;
import dev.corvid.node.replication.ReplicationStatus;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.IdRange;
import dev.corvid.node.storage.QueryResult;
import dev.corvid.node.storage.Storage;
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
import dev.corvid.proto.WriteOptions;
import dev.corvid.proto.WriteResponse;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Documents gRPC service: validate, call storage, map the error, reply.
 *
 * <p>Handlers run on the transport's own threads (the server uses a direct executor), so none may
 * wait: writes complete when the storage writer is done, and calls that may scan or wait for the
 * disk (queries, large multi-gets, id reservations, stats and topology) move to {@code blocking}.
 */
final class DocumentService extends DocumentsGrpc.DocumentsImplBase {

    /** A get of more ids than this runs on the blocking executor. */
    private static final int DIRECT_GET_IDS = 16;
    /** Calls of one Exchange stream answered at a time; more fail with RESOURCE_EXHAUSTED. */
    static final int MAX_EXCHANGE_CALLS = 1_024;
    /**
     * A larger answer fails its call RESOURCE_EXHAUSTED instead: a message over the client's
     * limit would fail the whole stream, and every other call on it.
     */
    static final int MAX_EXCHANGE_ANSWER_BYTES = 16 * 1024 * 1024;

    private final Storage storage;
    private final ClusterConfig cluster;
    private final NodeConfig self;
    private final NodeCounters counters;
    private final Supplier<String> address;
    private final ReplicationStatus replication;
    /** On a replica: whether it can reach its master, which decides on failover writes. */
    private final ReplicaApplier inbound;
    private final Executor blocking;
    private final NodeHealth health;
    /** The Exchange streams open now. */
    private final Set<Exchange> exchanges = ConcurrentHashMap.newKeySet();

    DocumentService(Storage storage, ClusterConfig cluster, NodeConfig self, NodeCounters counters,
                    Supplier<String> address, ReplicationStatus replication, ReplicaApplier inbound, Executor blocking,
                    NodeHealth health) {
        this.blocking = blocking;
        this.inbound = inbound;
        this.health = health;
        this.storage = storage;
        this.replication = replication;
        this.cluster = cluster;
        this.self = self;
        this.counters = counters;
        this.address = address;
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> out) {
        Supplier<GetResponse> call = () -> {
            GetResponse.Builder response = GetResponse.newBuilder();
            for (Optional<StoredDocument> doc : storage.getAll(request.getIdsList())) {
                response.addResultsBuilder().setFound(doc.isPresent())
                        .setDocument(doc.map(Messages::document).orElse(dev.corvid.proto.Document.getDefaultInstance()));
            }
            counters.read();
            return response.build();
        };
        if (request.getIdsCount() > DIRECT_GET_IDS) {
            offload(out, call);
        } else {
            reply(out, call);
        }
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
                    outcome.complete(BatchOutcome.newBuilder().setError(rpcStatus(t)).build());
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

    /** The status a unary RPC failing with {@code t} sends, details included, as a message. */
    private static com.google.rpc.Status rpcStatus(Throwable t) {
        com.google.rpc.Status status = StatusProto.fromThrowable(t);
        return status != null ? status
                : com.google.rpc.Status.newBuilder().setCode(Status.Code.INTERNAL.value()).setMessage(String.valueOf(t)).build();
    }

    @Override
    public StreamObserver<ExchangeRequest> exchange(StreamObserver<ExchangeResponse> responses) {
        Exchange exchange = new Exchange((ServerCallStreamObserver<ExchangeResponse>) responses);
        exchanges.add(exchange);
        return exchange;
    }

    /**
     * The node is stopping: every Exchange stream answers the calls it has taken, answers new ones
     * UNAVAILABLE without running them, and then ends UNAVAILABLE, so its client fails over.
     */
    void stopExchanges() {
        exchanges.forEach(Exchange::stop);
    }

    /**
     * One Exchange stream: each call goes exactly where its unary RPC would go (so it is answered
     * on the same thread, with the same result), and its answer comes back tagged with its id.
     */
    private final class Exchange implements StreamObserver<ExchangeRequest> {

        private final ServerCallStreamObserver<ExchangeResponse> out;
        private final Object lock = new Object();
        /** Guarded by {@link #lock}: calls taken and not answered yet. */
        private int open;
        /** Guarded by {@link #lock}: the client sends no more calls. */
        private boolean halfClosed;
        /** Guarded by {@link #lock}: the node is stopping; the stream ends once its calls are answered. */
        private boolean stopping;
        /** Guarded by {@link #lock}: the stream is over (cancelled, failed or completed). */
        private boolean ended;

        Exchange(ServerCallStreamObserver<ExchangeResponse> out) {
            this.out = out;
            out.setOnCancelHandler(this::abandon);
        }

        /** The client cancelled or the stream failed: nobody reads the answers still owed. */
        private void abandon() {
            synchronized (lock) {
                ended = true;
            }
            exchanges.remove(this);
        }

        void stop() {
            synchronized (lock) {
                stopping = true;
                if (open == 0) {
                    end();
                }
            }
        }

        @Override
        public void onNext(ExchangeRequest request) {
            long id = request.getCallId();
            synchronized (lock) {
                if (stopping) {
                    refuse(id, Status.UNAVAILABLE.withDescription("node is stopping; the call was not run"));
                    return;
                }
                if (open >= MAX_EXCHANGE_CALLS) {
                    refuse(id, Status.RESOURCE_EXHAUSTED.withDescription(
                            "more than " + MAX_EXCHANGE_CALLS + " calls of one Exchange stream at once"));
                    return;
                }
                open++;
            }
            switch (request.getCallCase()) {
                case GET -> get(request.getGet(), answer(id, ExchangeResponse.Builder::setGet));
                case BATCH -> batch(request.getBatch(), answer(id, ExchangeResponse.Builder::setWrite));
                case BATCH_MANY -> batchMany(request.getBatchMany(), answer(id, ExchangeResponse.Builder::setBatchMany));
                default -> answer(id, (b, ignored) -> b).onError(Status.INVALID_ARGUMENT
                        .withDescription("an Exchange request needs a get, batch or batch_many call").asRuntimeException());
            }
        }

        /** Where the unary handler of call {@code id} answers: into one tagged response. */
        private <A> StreamObserver<A> answer(long id, BiFunction<ExchangeResponse.Builder, A, ExchangeResponse.Builder> set) {
            return new StreamObserver<>() {
                private A answer;

                @Override
                public void onNext(A value) {
                    answer = value;
                }

                @Override
                public void onError(Throwable t) {
                    finish(ExchangeResponse.newBuilder().setCallId(id).setError(rpcStatus(t)).build());
                }

                @Override
                public void onCompleted() {
                    finish(set.apply(ExchangeResponse.newBuilder().setCallId(id), answer).build());
                }
            };
        }

        private void finish(ExchangeResponse response) {
            if (response.getSerializedSize() > MAX_EXCHANGE_ANSWER_BYTES) {
                response = ExchangeResponse.newBuilder().setCallId(response.getCallId()).setError(refusal(
                        Status.RESOURCE_EXHAUSTED.withDescription("the answer (" + response.getSerializedSize()
                                + " bytes) is larger than an Exchange stream carries (" + MAX_EXCHANGE_ANSWER_BYTES
                                + "); ask for fewer documents at once"))).build();
            }
            synchronized (lock) {
                open--;
                send(response);
                if ((halfClosed || stopping) && open == 0) {
                    end();
                }
            }
        }

        /** Guarded by {@link #lock}: answers call {@code id} with {@code status} without running it. */
        private void refuse(long id, Status status) {
            send(ExchangeResponse.newBuilder().setCallId(id).setError(refusal(status)).build());
        }

        private static com.google.rpc.Status refusal(Status status) {
            return com.google.rpc.Status.newBuilder().setCode(status.getCode().value()).setMessage(status.getDescription()).build();
        }

        /** Guarded by {@link #lock}: responses of different threads go out one at a time. */
        private void send(ExchangeResponse response) {
            if (!ended) {
                out.onNext(response);
            }
        }

        /** Guarded by {@link #lock}: completes the stream, or fails it UNAVAILABLE when the node is stopping. */
        private void end() {
            if (!ended) {
                ended = true;
                exchanges.remove(this);
                if (stopping) {
                    out.onError(Status.UNAVAILABLE.withDescription("node is stopping").asRuntimeException());
                } else {
                    out.onCompleted();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            abandon();
        }

        @Override
        public void onCompleted() {
            synchronized (lock) {
                halfClosed = true;
                if (open == 0) {
                    end();
                }
            }
        }
    }

    /**
     * Writes never block a transport thread: the answer goes out when the storage writer is done.
     * A replica takes only failover writes, only while it cannot reach its master, and marks them so.
     */
    private void write(StreamObserver<WriteResponse> out, WriteOptions options,
                       Function<WriteBatch.Builder, WriteBatch> batch) {
        boolean onReplica = self.role() == NodeConfig.Role.REPLICA;
        CompletableFuture<List<WriteResult>> done;
        try {
            if (onReplica && !options.getFailoverWrite()) {
                throw notMaster();
            }
            if (onReplica && inbound.masterReachable()) {
                NodeConfig master = cluster.master();
                throw new NotMasterException(self.name(), master.name(), master.address(), inbound.masterContact());
            }
            done = storage.writeAsync(batch.apply(onReplica ? WriteBatch.failoverBuilder() : WriteBatch.builder()));
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        done.whenComplete((results, error) -> {
            if (error != null) {
                out.onError(Errors.toStatus(error instanceof CompletionException c ? c.getCause() : error));
                return;
            }
            counters.write();
            if (onReplica) {
                counters.failoverWrite();
            }
            out.onNext(Messages.response(results, onReplica));
            out.onCompleted();
        });
    }

    private NotMasterException notMaster() {
        NodeConfig master = cluster.master();
        return new NotMasterException(self.name(), master.name(), master.address());
    }

    @Override
    public void query(QueryRequest request, StreamObserver<QueryResponse> out) {
        offload(out, () -> {
            QueryResult result = storage.query(Messages.query(request, cluster.limits()));
            QueryResponse.Builder response = QueryResponse.newBuilder().setTotalResults(result.totalResults());
            result.documents().forEach(d -> response.addDocuments(Messages.document(d)));
            counters.read();
            return response.build();
        });
    }

    @Override
    public void reserveIds(ReserveIdsRequest request, StreamObserver<ReserveIdsResponse> out) {
        offload(out, () -> {
            if (self.role() != NodeConfig.Role.MASTER) {
                throw notMaster();
            }
            IdRange range = storage.reserveIds(request.getCollection(), request.getCount());
            return ReserveIdsResponse.newBuilder().setFirst(range.first()).setLast(range.last()).build();
        });
    }

    @Override
    public void topology(TopologyRequest request, StreamObserver<ClusterTopology> out) {
        offload(out, () -> {
            NodeConfig master = cluster.master();
            ClusterTopology.Builder topology = ClusterTopology.newBuilder()
                    .setCluster(cluster.name())
                    .setMaster(ClusterNode.newBuilder().setName(master.name()).setAddress(master.address()))
                    .setAnsweredBy(self.name());
            cluster.replicas().forEach(r -> topology.addReplicas(Messages.replicaStatus(r, replication.progress(r.name()))));
            return topology.build();
        });
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<NodeStats> out) {
        offload(out, () -> {
            Etag last = storage.lastEtag();
            NodeStats.Builder stats = NodeStats.newBuilder();
            for (NodeConfig r : cluster.replicas()) {
                Optional<ReplicaProgress> progress = replication.progress(r.name());
                if (progress.isPresent()) {
                    stats.addReplicas(Messages.replicaStatus(r, progress));
                }
            }
            replication.progress(self.name()).flatMap(ReplicaProgress::lastApplied)
                    .ifPresent(e -> stats.setLastAppliedMasterEtag(Messages.text(e.isEmpty() ? null : e)));
            return stats
                    .setNodeName(self.name())
                    .setRole(self.role().wireName())
                    .setNodeTag(Etag.nodeTagText(storage.nodeTag()))
                    .setDocumentCount(storage.documentCount())
                    .setLastEtag(Messages.text(last))
                    .setReadsServed(counters.reads())
                    .setWritesServed(counters.writes())
                    .setUptimeMs(counters.uptimeMillis())
                    .setAddress(address.get())
                    .setFailoverWritesAccepted(counters.failoverWrites())
                    .setHealth(health.isServing() ? "SERVING" : "NOT_SERVING")
                    .setHealthReason(health.reason())
                    .build();
        });
    }

    /**
     * Streams the node's digest listing (see {@link dev.corvid.node.storage.ContentScan}): on a
     * replica "as of" is the last master etag applied, on the master its own last etag.
     */
    @Override
    public void digest(DigestRequest request, StreamObserver<DigestPage> observer) {
        DigestStream stream = new DigestStream((ServerCallStreamObserver<DigestPage>) observer);
        try {
            int pageSize = DigestStream.pageSize(request.getPageSize());
            blocking.execute(() -> {
                try {
                    ContentScan scan = storage.contentScan(self.role() == NodeConfig.Role.REPLICA ? cluster.master().name() : null);
                    counters.read();
                    stream.send(scan, Messages.snapshot(self, scan), pageSize);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    observer.onError(Status.UNAVAILABLE.withDescription("node is stopping").asRuntimeException());
                } catch (RuntimeException e) {
                    observer.onError(Errors.toStatus(e));
                }
            });
        } catch (RejectedExecutionException e) {
            observer.onError(Status.UNAVAILABLE.withDescription("node is stopping or overloaded; try again").asRuntimeException());
        } catch (RuntimeException e) {
            observer.onError(Errors.toStatus(e));
        }
    }

    /** Runs {@code call} on the blocking executor; a full executor answers UNAVAILABLE. */
    private <T> void offload(StreamObserver<T> out, Supplier<T> call) {
        try {
            blocking.execute(() -> reply(out, call));
        } catch (RejectedExecutionException e) {
            out.onError(Status.UNAVAILABLE.withDescription("node is stopping or overloaded; try again").asRuntimeException());
        }
    }

    private static <T> void reply(StreamObserver<T> out, Supplier<T> call) {
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
