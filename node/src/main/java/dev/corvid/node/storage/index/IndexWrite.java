package dev.corvid.node.storage.index;

import dev.corvid.node.storage.Etag;

/**
 * What the checkpoint must receive for one log entry the index applied: the durable half of the
 * index's state change. {@link DocumentIndex#show} returns them once readers see the change, and
 * they go to the checkpoint only after the log record is synced. Writes with the same key (a
 * document id, a collection's id sequence, a replication source) replace each other there, so
 * only the latest of them before a checkpoint needs writing.
 */
public sealed interface IndexWrite {

    /**
     * A document's new current record.
     *
     * @param id         the document id
     * @param record     the encoded {@link DocumentRecord} (live version or tombstone); the same
     *                   array the index serves readers from until the checkpoint holds it, never
     *                   written to
     * @param header     the record's etag, tombstone flag and collection
     * @param previous   the header of the record it replaces, or null when the id had none: what
     *                   the checkpoint's change order, collection members and counts drop
     */
    record Document(String id, byte[] record, DocumentRecord.Header header, DocumentRecord.Header previous)
            implements IndexWrite {

        /** The collection of a live version, or null: it joins the collections ever stored. */
        public String collection() {
            return header.tombstone() ? null : header.collection();
        }

        /** The change counter of the record's etag. */
        public long change() {
            return header.change();
        }
    }

    /** The collection's id sequence is reserved up to {@code last}. */
    record IdSequence(String collection, long last) implements IndexWrite {
    }

    /** The last master etag applied from a replication source (the master's node name). */
    record SourceProgress(String source, Etag lastApplied) implements IndexWrite {
    }
}
