package dev.corvid.node.storage.write;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.node.storage.ConflictPolicy;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.HandbackOutcome;
import dev.corvid.node.storage.HandbackOutcome.Kind;
import dev.corvid.node.storage.HandedBack;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.MetadataKeys;
import dev.corvid.node.storage.StorageUnavailableException;
import dev.corvid.node.storage.index.DocumentRecord;
import dev.corvid.node.storage.wal.LogEntry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Versions another node took while it could not reach this master (failover writes), decided on
 * the master's writer thread against its current version of each document:
 * <ul>
 *   <li>the master has that version already (an earlier hand-back of it, the same content, or a
 *       conflict that lists it): nothing changes ({@link Kind#ALREADY}), so a hand-back is idempotent;</li>
 *   <li>the master's version is no later than the sender's base (the last master etag the sender had
 *       applied when it took the write: it wrote on top of the master's version) or the master has
 *       none: applied as a master write ({@link Kind#APPLIED}), with a new master etag and
 *       {@value MetadataKeys#ORIGIN_NODE}/{@value MetadataKeys#ORIGIN_ETAG} naming where it was taken;</li>
 *   <li>otherwise both versions were written without knowing of each other: the
 *       {@link ConflictPolicy} decides; by default the document becomes a conflict
 *       ({@value MetadataKeys#CONFLICT}, every version in {@value MetadataKeys#CONFLICTS}, the master's
 *       first), which a client's save with the conflict's etag ends.</li>
 * </ul>
 * A document another batch of the same write group changed is not in the index yet: the hand-back
 * is then refused as a whole ({@link StorageUnavailableException}) and the sender tries again. Each
 * outcome is one log entry at most, all in this write's record, so a crash leaves all of it or none.
 */
final class HandbackWrite extends Pending<List<HandbackOutcome>> {

    private final String from;
    private final String self;
    private final List<HandedBack> versions;
    private final ConflictPolicy policy;
    private final List<HandbackOutcome> outcomes = new ArrayList<>();

    /**
     * @param from the name of the node that took the versions
     * @param self this master's node name, for the master's own version in a conflict
     */
    HandbackWrite(String from, String self, List<HandedBack> versions, ConflictPolicy policy) {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("a hand-back needs at least one version");
        }
        if (versions.stream().map(HandedBack::id).distinct().count() != versions.size()) {
            throw new IllegalArgumentException("a hand-back holds each id once");
        }
        this.from = from;
        this.self = self;
        this.versions = List.copyOf(versions);
        this.policy = policy;
    }

    @Override
    List<LogEntry> prepare(GroupView view) {
        outcomes.clear();
        List<LogEntry> entries = new ArrayList<>();
        for (HandedBack v : versions) {
            if (view.changedInGroup(v.id())) {
                // The index does not have that change yet; decided on the next try, in a later group.
                throw new StorageUnavailableException("'" + v.id() + "' changed in the same write group as its"
                        + " hand-back; hand it back again");
            }
            DocumentRecord current = view.indexRecord(v.id());
            Kind kind;
            if (isAlready(current, v)) {
                kind = Kind.ALREADY;
            } else if (current == null || covers(v.base(), current.etag())) {
                kind = Kind.APPLIED;
            } else {
                kind = switch (policy) {
                    case SURFACE -> Kind.CONFLICT;
                    case MASTER -> Kind.KEPT_BY_POLICY;
                    case LATEST -> isLater(v, current) ? Kind.APPLIED : Kind.KEPT_BY_POLICY;
                };
            }
            outcomes.add(apply(kind, v, current, view, entries));
        }
        return entries;
    }

    private HandbackOutcome apply(Kind kind, HandedBack v, DocumentRecord current, GroupView view, List<LogEntry> entries) {
        Etag now = view.current(v.id());
        switch (kind) {
            case APPLIED -> {
                if (v.deleted()) {
                    if (now == null) {
                        return new HandbackOutcome(Kind.ALREADY, null); // nothing live to delete
                    }
                    Etag etag = view.nextEtag();
                    view.set(v.id(), null);
                    entries.add(new LogEntry.Delete(v.id(), etag));
                    return new HandbackOutcome(kind, etag);
                }
                ObjectNode metadata = cleaned(parse(v.metadata(), v.id()));
                metadata.put(MetadataKeys.ORIGIN_NODE, from).put(MetadataKeys.ORIGIN_ETAG, v.etag().toString());
                return put(view, entries, kind, v.id(), collectionOf(metadata), metadata, v.body());
            }
            case CONFLICT -> {
                ArrayNode all = JsonRules.MAPPER.createArrayNode();
                String collection = null;
                if (current != null) {
                    ObjectNode mine = current.tombstone() ? null : parse(current.metadata(), v.id());
                    if (mine != null && mine.path(MetadataKeys.CONFLICT).asBoolean(false)
                            && mine.get(MetadataKeys.CONFLICTS) instanceof ArrayNode earlier) {
                        all.addAll(earlier); // already in conflict: one more version
                    } else {
                        all.add(version(mine, current));
                    }
                    collection = current.collection();
                }
                ObjectNode theirs = v.deleted() ? null : parse(v.metadata(), v.id());
                all.add(entry(from, v.etag(), v.deleted(), theirs, v.body()));
                if (collection == null && theirs != null) {
                    collection = collectionOf(theirs);
                }
                ObjectNode metadata = JsonRules.MAPPER.createObjectNode();
                if (collection != null) {
                    metadata.put(MetadataKeys.COLLECTION, collection);
                }
                metadata.put(MetadataKeys.LAST_MODIFIED, Instant.now().toString());
                metadata.put(MetadataKeys.CONFLICT, true);
                metadata.set(MetadataKeys.CONFLICTS, all);
                return put(view, entries, kind, v.id(), collection, metadata, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            default -> {
                return new HandbackOutcome(kind, now);
            }
        }
    }

    private static HandbackOutcome put(GroupView view, List<LogEntry> entries, Kind kind, String id, String collection,
                                       ObjectNode metadata, byte[] body) {
        Etag etag = view.nextEtag();
        view.set(id, etag);
        entries.add(new LogEntry.Put(id, etag, collection, bytes(metadata), body));
        return new HandbackOutcome(kind, etag);
    }

    /** Whether the master's record already is {@code v}: applied before, listed in a conflict, or the same content. */
    private boolean isAlready(DocumentRecord current, HandedBack v) {
        if (current == null) {
            return false;
        }
        if (current.tombstone()) {
            return v.deleted();
        }
        ObjectNode metadata = parse(current.metadata(), v.id());
        String etag = v.etag().toString();
        if (from.equals(metadata.path(MetadataKeys.ORIGIN_NODE).asText(null))
                && etag.equals(metadata.path(MetadataKeys.ORIGIN_ETAG).asText(null))) {
            return true;
        }
        for (JsonNode listed : metadata.path(MetadataKeys.CONFLICTS)) {
            if (from.equals(listed.path("node").asText(null)) && etag.equals(listed.path("etag").asText(null))) {
                return true;
            }
        }
        return !v.deleted() && !metadata.path(MetadataKeys.CONFLICT).asBoolean(false)
                && Arrays.equals(current.body(), v.body());
    }

    /** Whether the sender had applied {@code current} (a master etag) when it took the write. */
    private static boolean covers(Etag base, Etag current) {
        return base != null && base.nodeTag() == current.nodeTag() && current.compareTo(base) <= 0;
    }

    /** Whether {@code v} was written later than {@code current} by their {@code @last-modified}; false when either is unknown. */
    private static boolean isLater(HandedBack v, DocumentRecord current) {
        String theirs = parse(v.metadata(), v.id()).path(MetadataKeys.LAST_MODIFIED).asText("");
        String mine = current == null || current.metadata() == null ? ""
                : parse(current.metadata(), v.id()).path(MetadataKeys.LAST_MODIFIED).asText("");
        if (theirs.isEmpty() || mine.isEmpty()) {
            return current == null;
        }
        try {
            return Instant.parse(theirs).isAfter(Instant.parse(mine));
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** The master's own version as a conflict entry: where it was taken, as far as its metadata tells. */
    private ObjectNode version(ObjectNode metadata, DocumentRecord current) {
        if (metadata == null) {
            return entry(self, current.etag(), true, null, null);
        }
        String node = metadata.path(MetadataKeys.ORIGIN_NODE).asText(metadata.path(MetadataKeys.REPLICATION_SOURCE).asText(self));
        String etag = metadata.path(MetadataKeys.ORIGIN_ETAG).asText(metadata.path(MetadataKeys.SOURCE_ETAG).asText(null));
        ObjectNode e = entry(node, current.etag(), false, metadata, current.body());
        if (etag != null) {
            e.put("etag", etag);
        }
        return e;
    }

    private static ObjectNode entry(String node, Etag etag, boolean deleted, ObjectNode metadata, byte[] body) {
        ObjectNode e = JsonRules.MAPPER.createObjectNode().put("node", node).put("etag", etag.toString()).put("deleted", deleted);
        if (metadata != null) {
            JsonNode modified = metadata.get(MetadataKeys.LAST_MODIFIED);
            if (modified != null) {
                e.set("last-modified", modified);
            }
        }
        if (!deleted) {
            e.set("metadata", cleaned(metadata.deepCopy()));
            e.set("body", parse(body, "a conflict's version"));
        }
        return e;
    }

    /** {@code metadata} without the node's bookkeeping (replication, failover and conflict keys). */
    private static ObjectNode cleaned(ObjectNode metadata) {
        metadata.remove(MetadataKeys.DERIVED);
        return metadata;
    }

    private static String collectionOf(ObjectNode metadata) {
        JsonNode c = metadata.get(MetadataKeys.COLLECTION);
        return c != null && c.isTextual() ? c.asText() : null;
    }

    private static ObjectNode parse(byte[] json, String what) {
        if (json == null || json.length == 0) {
            return JsonRules.MAPPER.createObjectNode();
        }
        try {
            if (JsonRules.MAPPER.readTree(json) instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalStateException("stored JSON of " + what + " is not an object");
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JsonRules.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    @Override
    List<HandbackOutcome> result() {
        return List.copyOf(outcomes);
    }
}
