package dev.corvid.node.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What MapDB has yet to receive: the latest item per document, id sequence and replication
 * source, in log order. A document saved ten times before the next MapDB commit is written once.
 * Not thread-safe: the flusher thread (or recovery, before it starts) owns one.
 */
final class DirtyItems {

    private final Map<Object, Object> latest = new LinkedHashMap<>();
    /**
     * The collection of every record added, also of one a later record replaced: a document that
     * moved from one collection to another leaves both among the collections ever stored.
     */
    private final Set<String> collections = new LinkedHashSet<>();
    private long recordBytes;

    void add(Object item) {
        Object replaced = latest.put(key(item), item);
        if (item instanceof MapDbIndex.PendingRecord p) {
            recordBytes += p.record().length;
            if (p.collection() != null) {
                collections.add(p.collection());
            }
        }
        if (replaced instanceof MapDbIndex.PendingRecord old) {
            recordBytes -= old.record().length;
        }
    }

    /** The bytes of the document records held. */
    long recordBytes() {
        return recordBytes;
    }

    /**
     * Writes everything held to MapDB, without committing, and forgets it.
     *
     * @return the document records written, for {@link MapDbIndex#committed} after the commit
     */
    List<MapDbIndex.PendingRecord> persistTo(MapDbIndex index) {
        List<MapDbIndex.PendingRecord> records = new ArrayList<>(latest.size());
        for (String collection : collections) {
            index.persistCollection(collection);
        }
        for (Object item : latest.values()) {
            index.persist(item);
            if (item instanceof MapDbIndex.PendingRecord p) {
                records.add(p);
            }
        }
        latest.clear();
        collections.clear();
        recordBytes = 0;
        return records;
    }

    /** Items with equal keys replace each other in MapDB, so only the later one is written. */
    private static Object key(Object item) {
        if (item instanceof MapDbIndex.PendingRecord p) {
            return p.id();
        } else if (item instanceof LogEntry.ReserveIds r) {
            return List.of("id-sequence", r.collection());
        } else if (item instanceof LogEntry.SourceProgress p) {
            return List.of("source-progress", p.source());
        }
        return item;
    }
}
