package dev.corvid.node.storage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts and deletes to apply atomically. Building one validates every operation (id rules, JSON
 * objects), so a batch that reaches storage can only fail on an etag check, the size limit or I/O.
 */
public final class WriteBatch {

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final List<Mutation> mutations;

    private WriteBatch(List<Mutation> mutations) {
        this.mutations = List.copyOf(mutations);
    }

    /** A builder for an ordinary client batch. */
    public static Builder builder() {
        return new Builder(false);
    }

    /**
     * A builder for a batch a replica accepts as a failover write while the master is down: each
     * put is marked {@value MetadataKeys#FAILOVER_WRITE}{@code : true} in its metadata.
     */
    public static Builder failoverBuilder() {
        return new Builder(true);
    }

    List<Mutation> mutations() {
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

        private Builder(boolean failoverWrite) {
            this.failoverWrite = failoverWrite;
        }

        /**
         * Adds a put.
         *
         * @param metadataJson a JSON object in UTF-8, or null/blank for none; {@code @collection} must be a string
         * @param bodyJson     a JSON object in UTF-8, stored exactly as sent
         * @param expected     null for no check, {@link Etag#EMPTY} for "must not exist", else the current etag
         */
        public Builder put(String id, ByteString metadataJson, ByteString bodyJson, Etag expected) {
            DocumentIds.checkId(id);
            ObjectNode metadata = metadataJson == null || isBlank(metadataJson)
                    ? JSON.createObjectNode() : parseObject(id, "metadata", metadataJson);
            byte[] body = checkObject(id, bodyJson);
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
                metadata.put(MetadataKeys.FAILOVER_WRITE, true);
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
            mutations.add(new Mutation(Mutation.Kind.DELETE, id, expected, null, null, null));
            return this;
        }

        /** @throws BadRequestException when the batch is empty */
        public WriteBatch build() {
            if (mutations.isEmpty()) {
                throw new BadRequestException("a batch needs at least one put or delete");
            }
            return new WriteBatch(mutations);
        }

        /**
         * Checks that {@code json} is one JSON object in UTF-8 (no duplicate keys, nothing after
         * it) by streaming over it, without building a tree, and returns its bytes as sent: the
         * body is stored exactly as the client wrote it.
         */
        private static byte[] checkObject(String id, ByteString json) {
            if (json == null || isBlank(json)) {
                throw new BadRequestException("body of '" + id + "' is empty; it must be a JSON object");
            }
            checkUtf8(id, "body", json);
            try (JsonParser parser = JSON.getFactory().createParser(json.newInput())) {
                JsonToken first = parser.nextToken();
                if (first != JsonToken.START_OBJECT) {
                    throw new BadRequestException("body of '" + id + "' must be a JSON object, was "
                            + (first == null ? "empty" : describe(first)));
                }
                parser.skipChildren();
                if (parser.nextToken() != null) {
                    throw new BadRequestException("body of '" + id + "' is not valid JSON: more content after the object");
                }
            } catch (JsonProcessingException e) {
                throw new BadRequestException("body of '" + id + "' is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return json.toByteArray();
        }

        /**
         * Rejects anything but well-formed UTF-8. The JSON parser would guess UTF-16 or UTF-32
         * from zero bytes among the first four (those encodings of an ASCII character have one;
         * a JSON text in UTF-8 never starts with one), so those are refused too.
         */
        private static void checkUtf8(String id, String what, ByteString json) {
            boolean zeroAtStart = false;
            for (int i = 0; i < Math.min(4, json.size()); i++) {
                zeroAtStart |= json.byteAt(i) == 0;
            }
            if (zeroAtStart || !json.isValidUtf8()) {
                throw new BadRequestException(what + " of '" + id + "' is not valid JSON: not UTF-8 text");
            }
        }

        private static boolean isBlank(ByteString json) {
            for (int i = 0; i < json.size(); i++) {
                if (!isJsonWhitespace(json.byteAt(i))) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isJsonWhitespace(byte b) {
            return b == ' ' || b == '\t' || b == '\n' || b == '\r';
        }

        private static String describe(JsonToken token) {
            return switch (token) {
                case START_ARRAY -> "ARRAY";
                case VALUE_STRING -> "STRING";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
                case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
                case VALUE_NULL -> "NULL";
                default -> token.toString();
            };
        }

        private static ObjectNode parseObject(String id, String what, ByteString json) {
            checkUtf8(id, what, json);
            JsonNode node;
            try {
                node = JSON.readTree(json.newInput());
            } catch (JsonProcessingException e) {
                throw new BadRequestException(what + " of '" + id + "' is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!(node instanceof ObjectNode object)) {
                throw new BadRequestException(what + " of '" + id + "' must be a JSON object, was " + node.getNodeType());
            }
            return object;
        }

        private static byte[] bytes(ObjectNode node) {
            try {
                return JSON.writeValueAsBytes(node);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
            }
        }
    }
}
