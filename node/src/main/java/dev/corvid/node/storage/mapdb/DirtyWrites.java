package dev.corvid.node.storage.mapdb;

import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.index.IndexWrite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the checkpoint has yet to receive: the latest write per document, id sequence and
 * replication source, each kind in log order. A document saved ten times before the next commit
 * is written once, as replacing the record the checkpoint holds. Not thread-safe: the flusher thread (or recovery, before it starts) owns one.
 */
final class DirtyWrites {

    private final Map<String, IndexWrite.Document> documents = new LinkedHashMap<>();
    private final Map<String, Long> idSequences = new LinkedHashMap<>();
    private final Map<String, Etag> sourceProgress = new LinkedHashMap<>();
    /**
     * The collection of every record added, also of one a later record replaced: a document that
     * moved from one collection to another leaves both among the collections ever stored.
     */
    private final Set<String> collections = new LinkedHashSet<>();
    private long recordBytes;

    /** Adds a write, replacing an earlier one with the same key. */
    void add(IndexWrite write) {
        if (write instanceof IndexWrite.Document document) {
            IndexWrite.Document replaced = documents.get(document.id());
            // The checkpoint holds the record the first write of the id replaced, not the later ones.
            documents.put(document.id(), replaced == null ? document
                    : new IndexWrite.Document(document.id(), document.record(), document.header(), replaced.previous()));
            recordBytes += document.record().length - (replaced == null ? 0 : replaced.record().length);
            if (document.collection() != null) {
                collections.add(document.collection());
            }
        } else if (write instanceof IndexWrite.IdSequence sequence) {
            idSequences.put(sequence.collection(), sequence.last());
        } else if (write instanceof IndexWrite.SourceProgress progress) {
            sourceProgress.put(progress.source(), progress.lastApplied());
        }
    }

    /** The bytes of the document records held. */
    long recordBytes() {
        return recordBytes;
    }

    /**
     * Writes everything held to the checkpoint, without committing, and forgets it.
     *
     * @return the document records written, for {@code DocumentIndex#checkpointed} after the commit
     */
    List<IndexWrite.Document> writeTo(MapDbCheckpoint checkpoint) {
        for (String collection : collections) {
            checkpoint.addCollection(collection);
        }
        List<IndexWrite.Document> written = new ArrayList<>(documents.values());
        for (IndexWrite.Document document : written) {
            checkpoint.write(document);
        }
        idSequences.forEach(checkpoint::writeIdSequence);
        sourceProgress.forEach(checkpoint::writeSourceProgress);
        documents.clear();
        idSequences.clear();
        sourceProgress.clear();
        collections.clear();
        recordBytes = 0;
        return written;
    }
}
