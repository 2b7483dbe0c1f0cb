package dev.corvid.node.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.NodeSettings;
import dev.corvid.node.replication.Handshake;
import dev.corvid.node.replication.ReplicaProgress;
import dev.corvid.node.replication.Takeover;
import dev.corvid.node.replication.WriteConfirmations;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.DocumentIds;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.HandbackOutcome;
import dev.corvid.node.storage.HandedBack;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.Query;
import dev.corvid.node.storage.StoredDocument;
import dev.corvid.node.storage.WriteBatch;
import dev.corvid.node.storage.WriteResult;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ChangeBatch;
import dev.corvid.proto.HandBackOutcome;
import dev.corvid.proto.HandBackRequest;
import dev.corvid.proto.HandBackResponse;
import dev.corvid.proto.HandedBackVersion;
import dev.corvid.proto.Command;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DigestSnapshot;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.proto.Document;
import dev.corvid.proto.FieldFilter;
import dev.corvid.proto.OrderBy;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.ReplicatedChange;
import dev.corvid.proto.ReplicationHandshake;
import dev.corvid.proto.WireLimits;
import dev.corvid.proto.WriteResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Translation between protobuf messages and storage types, with the input checks that belong to the wire. */
final class Messages {

    private Messages() {
    }

    /** {@code etag} as a status field reports it: none for {@code null} and for {@link Etag#EMPTY}. */
    static ByteString reported(Etag etag) {
        return WireEtag.bytes(etag == null || etag.isEmpty() ? null : etag);
    }

    /** @throws BadRequestException when the master node tag is not 6 hex digits */
    static Handshake handshake(ReplicationHandshake h) {
        int tag;
        try {
            tag = Integer.parseInt(h.getMasterNodeTag(), 16);
        } catch (NumberFormatException e) {
            tag = -1;
        }
        if (h.getMasterNodeTag().length() != 6 || tag <= 0) {
            throw new BadRequestException("master node tag '" + h.getMasterNodeTag() + "' is not 6 hex digits");
        }
        long epoch = h.getEpoch() == 0 ? 1 : h.getEpoch(); // a master that does not say is the first
        if (epoch < 0) {
            throw new BadRequestException("epoch " + h.getEpoch() + " is not an epoch");
        }
        return new Handshake(h.getCluster(), h.getMasterName(), tag, h.getReplicaName(), h.getStreamId(),
                new Takeover(epoch, WireEtag.etag(h.getTakeoverEtag()), WireEtag.etag(h.getForkEtag())));
    }

    /** The feed position a batch brings the replica to when the master says it (else null). */
    static Etag through(ChangeBatch batch) {
        Etag through = WireEtag.etag(batch.getThrough());
        return through == null || through.isEmpty() ? null : through;
    }

    static List<Change> changes(ChangeBatch batch) {
        List<Change> changes = new ArrayList<>(batch.getChangesCount());
        for (ReplicatedChange c : batch.getChangesList()) {
            Etag etag = WireEtag.etag(c.getEtag());
            if (etag == null || etag.isEmpty()) {
                throw new BadRequestException("replicated change of '" + c.getId() + "' has no etag");
            }
            changes.add(c.getDeleted() ? new Change(c.getId(), etag, true, null, null)
                    : new Change(c.getId(), etag, false, c.getMetadataJson(), c.getBodyJson()));
        }
        return changes;
    }

    /** Unset fields are what this node does not know. */
    static ReplicaStatus replicaStatus(NodeConfig replica, Optional<ReplicaProgress> known) {
        ReplicaStatus.Builder status = ReplicaStatus.newBuilder().setName(replica.name()).setAddress(replica.address());
        known.ifPresent(p -> {
            status.setConnected(p.connected());
            p.lastApplied().ifPresent(e -> status.setLastAppliedEtag(reported(e)));
            p.changesBehind().ifPresent(status::setChangesBehind);
            p.lagMillis().ifPresent(status::setLagMs);
            p.diverged().ifPresent(status::setDiverged);
        });
        return status.build();
    }

    static DigestSnapshot snapshot(NodeConfig self, ContentScan scan) {
        return DigestSnapshot.newBuilder()
                .setNodeName(self.name())
                .setRole(self.role().wireName())
                .setLastEtag(WireEtag.bytes(scan.lastEtag()))
                .setLastAppliedMasterEtag(reported(scan.lastAppliedFromSource()))
                .setEntries(scan.size())
                .build();
    }

    static Document document(StoredDocument doc) {
        return Document.newBuilder()
                .setId(doc.id())
                .setEtag(WireEtag.bytes(doc.etag()))
                .setMetadataJson(doc.metadataJson())
                .setBodyJson(doc.bodyJson())
                .build();
    }

    static WriteBatch batch(WriteBatch.Builder batch, List<Command> commands) {
        for (int i = 0; i < commands.size(); i++) {
            Command c = commands.get(i);
            switch (c.getKindCase()) {
                case PUT -> put(batch, c.getPut());
                case DELETE -> delete(batch, c.getDelete());
                default -> throw new BadRequestException("command " + i + " of the batch is neither a put nor a delete");
            }
        }
        return batch.build();
    }

    static WriteBatch.Builder put(WriteBatch.Builder batch, PutCommand put) {
        return batch.put(put.getId(), put.getMetadataJson(), put.getBodyJson(), WireEtag.etag(put.getExpectedEtag()));
    }

    static WriteBatch.Builder delete(WriteBatch.Builder batch, DeleteCommand delete) {
        return batch.delete(delete.getId(), WireEtag.etag(delete.getExpectedEtag()));
    }

    static WriteResponse response(List<WriteResult> results, boolean writtenToReplica) {
        WriteResponse.Builder response = WriteResponse.newBuilder().setWrittenToReplica(writtenToReplica);
        for (WriteResult r : results) {
            response.addResultsBuilder().setId(r.id()).setEtag(WireEtag.bytes(r.etag())).setDeleted(r.deleted());
        }
        return response.build();
    }

    /** Versions per HandBack call, as the proto says. */
    static final int MAX_HANDED_BACK = 1024;

    /**
     * The versions of a hand-back, each checked as a client write would be (id, JSON objects, etags).
     *
     * @throws BadRequestException for none, more than {@value #MAX_HANDED_BACK}, an id twice, or a malformed version
     */
    static List<HandedBack> handedBack(HandBackRequest request) {
        int n = request.getVersionsCount();
        if (n == 0 || n > MAX_HANDED_BACK) {
            throw new BadRequestException("a hand-back holds 1 to " + MAX_HANDED_BACK + " versions, not " + n);
        }
        List<HandedBack> versions = new ArrayList<>(n);
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (HandedBackVersion v : request.getVersionsList()) {
            DocumentIds.checkId(v.getId());
            if (!ids.add(v.getId())) {
                throw new BadRequestException("a hand-back holds '" + v.getId() + "' twice");
            }
            Etag etag = WireEtag.etag(v.getEtag());
            if (etag == null || etag.isEmpty()) {
                throw new BadRequestException("the handed-back version of '" + v.getId() + "' has no etag");
            }
            byte[] metadata = JsonRules.checkObject("handed-back metadata of '" + v.getId() + "'", v.getMetadataJson());
            byte[] body = v.getDeleted() ? null : JsonRules.checkObject("handed-back body of '" + v.getId() + "'", v.getBodyJson());
            versions.add(new HandedBack(v.getId(), etag, v.getDeleted(), metadata, body, WireEtag.etag(v.getBase())));
        }
        return versions;
    }

    static HandBackResponse handBackResponse(List<HandbackOutcome> outcomes) {
        HandBackResponse.Builder response = HandBackResponse.newBuilder();
        for (HandbackOutcome o : outcomes) {
            response.addOutcomesBuilder().setKind(HandBackOutcome.Kind.valueOf(o.kind().name())).setEtag(WireEtag.bytes(o.etag()));
        }
        return response.build();
    }

    /** {@code response} with what came of its write assurance. */
    static WriteResponse withAssurance(WriteResponse response, WriteConfirmations.Confirmation confirmation) {
        return response.toBuilder().setReplicasConfirmed(confirmation.confirmed())
                .setAssuranceUnmet(confirmation.isMet() ? "" : confirmation.unmet()).build();
    }

    /** The etag of the last change a batch made; null when it changed nothing (deletes of missing documents). */
    static Etag lastEtag(List<WriteResult> results) {
        Etag last = null;
        for (WriteResult r : results) {
            if (r.etag() != null && (last == null || r.etag().compareTo(last) > 0)) {
                last = r.etag();
            }
        }
        return last;
    }

    /** What a node with these settings tells clients it accepts (see {@code WireLimits} in the proto). */
    static WireLimits wireLimits(NodeSettings settings) {
        return WireLimits.newBuilder()
                .setMaxDocumentBytes(settings.limits().maxDocumentBytes())
                .setMaxRequestBytes(settings.limits().maxRequestBytes())
                .setMaxExchangeRequestBytes(settings.maxExchangeRequestBytes())
                .setMaxExchangeAnswerBytes(settings.serving().maxExchangeAnswerBytes())
                .setMaxExchangeCalls(settings.serving().maxExchangeCalls())
                .setMaxDirectGetIds(settings.serving().maxDirectGetIds())
                .setMaxAnswerBytes(settings.serving().maxAnswerBytes())
                .build();
    }

    static Query query(QueryRequest request, Limits limits) {
        int take = request.getTake() == 0 ? limits.defaultPageSize() : request.getTake();
        if (take < 0 || take > limits.maxPageSize()) {
            throw new BadRequestException("take must be from 1 to " + limits.maxPageSize() + ", was " + take);
        }
        Query.checkSize(request.getFiltersCount(), request.getOrderByCount());
        List<Query.Filter> filters = request.getFiltersList().stream().map(Messages::filter).toList();
        List<Query.SortKey> order = request.getOrderByList().stream().map(Messages::sortKey).toList();
        if (!order.isEmpty() && (long) request.getSkip() + take > limits.maxSortedWindow()) {
            throw new BadRequestException("skip + take of a query with sort keys must be at most limits.maxSortedWindow ("
                    + limits.maxSortedWindow() + "), was " + ((long) request.getSkip() + take)
                    + ": page further with a filter on the sort key instead");
        }
        return new Query(request.getCollection(), filters, order, request.getSkip(), take);
    }

    private static Query.Filter filter(FieldFilter f) {
        String field = Query.checkField(f.getField());
        Query.Op op = switch (f.getOp()) {
            case EQ -> Query.Op.EQ;
            case NE -> Query.Op.NE;
            case LT -> Query.Op.LT;
            case LTE -> Query.Op.LTE;
            case GT -> Query.Op.GT;
            case GTE -> Query.Op.GTE;
            default -> throw new BadRequestException("filter on '" + field + "' has no comparison operator");
        };
        return new Query.Filter(field, op, value(field, f.getValueJson()));
    }

    private static Query.SortKey sortKey(OrderBy o) {
        return new Query.SortKey(o.getField(), o.getDescending());
    }

    /** Exactly one JSON value, under the same rules as a stored document ({@link JsonRules}), and not a container. */
    private static JsonNode value(String field, String json) {
        JsonNode node = JsonRules.parseValue("filter value for '" + field + "'", json);
        if (node.isContainerNode()) {
            throw new BadRequestException("filter on '" + field + "' compares with an " + node.getNodeType()
                    + "; only strings, numbers, booleans and null can be compared");
        }
        return node;
    }
}
