package dev.corvid.node.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts and deletes to apply atomically. Building one validates every operation (id rules, JSON
 * objects following {@link JsonRules}), so a batch that reaches storage can only fail on an etag
 * check, the size limit or I/O, and every document it stores can be queried.
 */
public final class WriteBatch {

    private final List<Mutation> mutations;

    private WriteBatch(List<Mutation> mutations) {
        this.mutations = List.copyOf(mutations);
    }

    /** A builder for an ordinary client batch. */
    public static Builder builder() {
        return new Builder(false, null);
    }

    /**
     * A builder for a batch a replica accepts as a failover write while the master is down: each
     * put, and the tombstone of each delete, is marked {@value MetadataKeys#FAILOVER_WRITE}{@code : true}
     * with {@value MetadataKeys#FAILOVER_BASE}, so the replica hands it back to the master later.
     *
     * @param base the last master etag the replica has applied; null when it has applied none
     */
    public static Builder failoverBuilder(Etag base) {
        return new Builder(true, base);
    }

    /** The batch's operations, validated, in the order they were added. */
    public List<Mutation> mutations() {
        return mutations;
    }

    public int size() {
        return mutations.size();
    }

    /**
     * The {@code @last-modified} text of new writes (UTC, to the millisecond), formatted once per
     * millisecond: under load, formatting an {@code Instant} for every batch cost more than
     * validating a small batch.
     */
    static final class LastModified {

        private record Stamp(long millis, String text) {
        }

        private static volatile Stamp last = new Stamp(Long.MIN_VALUE, "");

        private LastModified() {
        }

        static String now() {
            long millis = System.currentTimeMillis();
            Stamp stamp = last;
            if (stamp.millis() != millis) {
                stamp = new Stamp(millis, Instant.ofEpochMilli(millis).toString());
                last = stamp;
            }
            return stamp.text();
        }
    }

    /** Collects operations; each method validates its input and throws {@link BadRequestException}. */
    public static final class Builder {
        private final List<Mutation> mutations = new ArrayList<>();
        private final String now = LastModified.now();
        private final boolean failoverWrite;
        /** The replica's last applied master etag, for a failover write; null otherwise or when none. */
        private final Etag failoverBase;

        private Builder(boolean failoverWrite, Etag failoverBase) {
            this.failoverWrite = failoverWrite;
            this.failoverBase = failoverBase;
        }

        private void markFailover(ObjectNode metadata) {
            metadata.put(MetadataKeys.FAILOVER_WRITE, true);
            if (failoverBase != null) {
                metadata.put(MetadataKeys.FAILOVER_BASE, failoverBase.toString());
            }
        }

        /**
         * Adds a put.
         *
         * @param metadataJson a JSON object in UTF-8 following {@link JsonRules}, or null/blank for none;
         *                     {@code @collection} must be a string; stored re-encoded, numbers exact
         * @param bodyJson     a JSON object in UTF-8 following {@link JsonRules}, stored exactly as sent
         * @param expected     null for no check, {@link Etag#EMPTY} for "must not exist", else the current etag
         */
        public Builder put(String id, ByteString metadataJson, ByteString bodyJson, Etag expected) {
            DocumentIds.checkId(id);
            ObjectNode metadata = metadataJson == null || JsonRules.isBlank(metadataJson)
                    ? JsonRules.MAPPER.createObjectNode() : JsonRules.parseObject("metadata of '" + id + "'", metadataJson);
            byte[] body = JsonRules.checkObject("body of '" + id + "'", bodyJson);
            MetadataKeys.DERIVED.forEach(metadata::remove);
            String collection = null;
            JsonNode coll = metadata.get(MetadataKeys.COLLECTION);
            if (coll != null && !coll.isNull()) {
                if (!coll.isTextual()) {
                    throw new BadRequestException("metadata " + MetadataKeys.COLLECTION + " of '" + id + "' must be a string, was " + coll);
                }
                collection = DocumentIds.checkCollection(coll.asText());
            }
            metadata.put(MetadataKeys.LAST_MODIFIED, now);
            if (failoverWrite) {
                markFailover(metadata);
            }
            mutations.add(new Mutation(Mutation.Kind.PUT, id, expected, collection, bytes(metadata), body));
            return this;
        }

        /** Adds a put of JSON text; see {@link #put(String, ByteString, ByteString, Etag)}. */
        public Builder put(String id, String metadataJson, String bodyJson, Etag expected) {
            return put(id, metadataJson == null ? null : ByteString.copyFromUtf8(metadataJson),
                    bodyJson == null ? null : ByteString.copyFromUtf8(bodyJson), expected);
        }

        /**
         * Adds a delete. Deleting a missing document is a no-op unless an expected etag says otherwise.
         *
         * @param expected null for no check, {@link Etag#EMPTY} for "must not exist", else the current etag
         */
        public Builder delete(String id, Etag expected) {
            DocumentIds.checkId(id);
            byte[] kept = null;
            if (failoverWrite) {
                ObjectNode marks = JsonRules.MAPPER.createObjectNode().put(MetadataKeys.LAST_MODIFIED, now);
                markFailover(marks);
                kept = bytes(marks);
            }
            mutations.add(new Mutation(Mutation.Kind.DELETE, id, expected, null, kept, null));
            return this;
        }

        /** @throws BadRequestException when the batch is empty */
        public WriteBatch build() {
            if (mutations.isEmpty()) {
                throw new BadRequestException("a batch needs at least one put or delete");
            }
            return new WriteBatch(mutations);
        }

        private static byte[] bytes(ObjectNode node) {
            try {
                return JsonRules.MAPPER.writeValueAsBytes(node);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
            }
        }
    }
}
