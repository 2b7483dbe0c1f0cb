package dev.corvid.node.storage.index;

import dev.corvid.node.storage.Etag;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** An {@link IndexStore} without anything: tests override the part they give the index. */
class EmptyIndexStore implements IndexStore {

    @Override
    public byte[] record(String id) {
        return null;
    }

    @Override
    public Iterator<Map.Entry<Long, String>> changesAfter(long change) {
        return Collections.emptyIterator();
    }

    @Override
    public Iterator<String> members(String collection, String fromId, boolean inclusive) {
        return Collections.emptyIterator();
    }

    @Override
    public long documentCount() {
        return 0;
    }

    @Override
    public long tombstoneCount() {
        return 0;
    }

    @Override
    public Map<String, Long> collectionSizes() {
        return Map.of();
    }

    @Override
    public Set<String> collections() {
        return Set.of();
    }

    @Override
    public Map<String, Long> idSequences() {
        return Map.of();
    }

    @Override
    public Map<String, Etag> sourceProgress() {
        return Map.of();
    }

    @Override
    public long lastChange() {
        return 0;
    }
}
