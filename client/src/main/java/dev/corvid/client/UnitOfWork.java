package dev.corvid.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one session: the identity map (one instance per document id), the pending deletes
 * and the ids known to be missing. Not thread-safe, like the session that owns it.
 *
 * <p>Invariant: an id is either tracked or pending delete, never both.
 */
final class UnitOfWork {

    private final Map<String, DocumentInfo> byId = new LinkedHashMap<>();
    private final Map<Object, DocumentInfo> byEntity = new IdentityHashMap<>();
    /** Pending deletes by id; the value is the deleted entity's info, or null for {@code delete(id)} of an unknown one. */
    private final Map<String, DocumentInfo> deletes = new LinkedHashMap<>();
    /** Ids a load found missing, so loading them again costs no request. */
    private final Set<String> knownMissing = new HashSet<>();

    DocumentInfo byId(String id) {
        return byId.get(id);
    }

    DocumentInfo byEntity(Object entity) {
        return byEntity.get(entity);
    }

    List<DocumentInfo> tracked() {
        return new ArrayList<>(byId.values());
    }

    Map<String, DocumentInfo> deletes() {
        return deletes;
    }

    boolean isDeleted(String id) {
        return deletes.containsKey(id);
    }

    boolean isKnownMissing(String id) {
        return knownMissing.contains(id);
    }

    void markMissing(String id) {
        knownMissing.add(id);
    }

    void track(DocumentInfo info) {
        assert !byId.containsKey(info.id) : "id already tracked: " + info.id;
        byId.put(info.id, info);
        byEntity.put(info.entity, info);
        deletes.remove(info.id);
        knownMissing.remove(info.id);
    }

    /** Stops tracking the entity and, unless it was never saved, schedules its delete. */
    void delete(DocumentInfo info) {
        untrack(info);
        if (!info.isNew()) {
            deletes.put(info.id, info);
        }
    }

    /** Schedules the delete of a document the session does not track (no etag known). */
    void delete(String id) {
        deletes.put(id, null);
    }

    /** Forgets the entity entirely, including a pending delete of its id. */
    void evict(DocumentInfo info) {
        untrack(info);
        deletes.remove(info.id);
    }

    /** After a saved delete: the document is known to be gone. */
    void deleteSaved(String id) {
        deletes.remove(id);
        knownMissing.add(id);
    }

    void clear() {
        byId.clear();
        byEntity.clear();
        deletes.clear();
        knownMissing.clear();
    }

    private void untrack(DocumentInfo info) {
        byId.remove(info.id);
        byEntity.remove(info.entity);
    }
}
