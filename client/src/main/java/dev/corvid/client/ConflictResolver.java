package dev.corvid.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What every read does with the documents in conflict (holders) it got: asks the
 * {@link DocumentConflictListener}s, saves the first resolution with the conflict's etag and puts
 * the resolved document where the holder was, or throws {@link ConflictException}.
 *
 * <p>All holders of one read are decided before any resolution is saved, so a read that throws
 * {@code ConflictException} saved nothing. A save that fails with {@link ConcurrencyException}
 * (the conflict changed meanwhile) leads to one re-read of that id from the master, whose etags
 * are the ones a write is checked against, and one more round; a second failure is thrown.
 */
final class ConflictResolver {

    /** A holder and what a listener decided for it. */
    private record Decided(JsonDocument holder, ConflictResolution resolution) {
    }

    /** The listeners to ask, read once per read: a session's snapshot, or the store's current ones. */
    private final Supplier<List<DocumentConflictListener>> listeners;

    ConflictResolver(Supplier<List<DocumentConflictListener>> listeners) {
        this.listeners = listeners;
    }

    /**
     * The documents of a read with every holder replaced by its resolved document; the same list
     * when there is no holder (the common case costs one loop over the list).
     *
     * @param documents   as read, {@code null} for a missing document
     * @param keepMissing true for a get (a deleted document stays as {@code null} in its place),
     *                    false for a query (it is left out)
     * @throws ConflictException when a listener resolves no holder (nothing was saved)
     */
    List<JsonDocument> resolve(List<JsonDocument> documents, DatabaseCommands commands, boolean keepMissing) {
        if (!anyInConflict(documents)) {
            return documents;
        }
        List<DocumentConflictListener> asked = listeners.get();
        Map<String, Decided> decided = new LinkedHashMap<>();
        ConflictException unresolved = null;
        for (JsonDocument document : documents) {
            if (document == null || !document.inConflict() || decided.containsKey(document.getId())) {
                continue;
            }
            try {
                decided.put(document.getId(), new Decided(document, decide(asked, document)));
            } catch (ConflictException e) {
                if (unresolved == null) {
                    unresolved = e;
                } else {
                    unresolved.addSuppressed(e);
                }
            }
        }
        if (unresolved != null) {
            throw unresolved;
        }
        Map<String, JsonDocument> resolved = new HashMap<>(); // a value may be null: deleted
        for (Decided d : decided.values()) {
            resolved.put(d.holder().getId(), save(asked, d, commands));
        }
        List<JsonDocument> result = new ArrayList<>(documents.size());
        for (JsonDocument document : documents) {
            JsonDocument kept = document != null && document.inConflict() ? resolved.get(document.getId()) : document;
            if (kept != null || keepMissing) {
                result.add(kept);
            }
        }
        return result;
    }

    private static boolean anyInConflict(List<JsonDocument> documents) {
        for (JsonDocument document : documents) {
            if (document != null && document.inConflict()) {
                return true;
            }
        }
        return false;
    }

    /** The first listener's resolution of {@code holder}; throws when none gives one. */
    private static ConflictResolution decide(List<DocumentConflictListener> asked, JsonDocument holder) {
        String id = holder.getId();
        if (holder.getEtag() == null) {
            throw new CorvidException("document '" + id + "' is in conflict but the node sent it without an etag, "
                    + "so no resolution can be saved; this is a node bug");
        }
        List<ConflictedVersion> versions = ConflictedVersion.parseAll(id, holder.getMetadata());
        for (DocumentConflictListener listener : asked) {
            ConflictResolution resolution = listener.tryResolve(id, versions);
            if (resolution != null) {
                return resolution;
            }
        }
        throw new ConflictException(id, holder.getEtag(), versions);
    }

    /** Saves a decision; on a changed conflict, re-reads and decides once more. Null: deleted. */
    private static JsonDocument save(List<DocumentConflictListener> asked, Decided d, DatabaseCommands commands) {
        String id = d.holder().getId();
        try {
            return commands.saveResolution(id, d.holder().getEtag(), d.resolution());
        } catch (ConcurrencyException first) {
            JsonDocument again = commands.readFromMaster(id);
            if (again == null || !again.inConflict()) {
                return again; // someone resolved it meanwhile: theirs is the document now
            }
            ConflictResolution resolution;
            try {
                resolution = decide(asked, again);
            } catch (ConflictException e) {
                e.addSuppressed(first);
                throw e;
            }
            try {
                return commands.saveResolution(id, again.getEtag(), resolution);
            } catch (ConcurrencyException second) {
                second.addSuppressed(first);
                throw second;
            }
        }
    }
}
