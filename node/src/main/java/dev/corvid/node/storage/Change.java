package dev.corvid.node.storage;

import com.google.protobuf.ByteString;
import java.io.IOException;

/**
 * One entry of the change feed: the current version of a document, or its tombstone.
 * The feed holds each id once, at the etag of its latest change.
 *
 * @param id           the document id
 * @param etag         the etag of the change
 * @param deleted      true for a tombstone (then the body is null, and so is the metadata unless
 *                     the tombstone keeps some: a replica's failover delete, or a replicated
 *                     delete's source)
 * @param metadataJson the metadata of a put, a JSON object in UTF-8
 * @param bodyJson     the body of a put, a JSON object in UTF-8
 */
public record Change(String id, Etag etag, boolean deleted, ByteString metadataJson, ByteString bodyJson) {

    /**
     * The master etag this node replicated the change from ({@value MetadataKeys#SOURCE_ETAG} in
     * its metadata, which names the master by its node tag); null for a change made here, or
     * metadata that does not say.
     */
    public Etag sourceEtag() {
        if (metadataJson == null || metadataJson.isEmpty()) {
            return null;
        }
        try {
            String text = JsonRules.MAPPER.readTree(metadataJson.newInput()).path(MetadataKeys.SOURCE_ETAG).asText("");
            return text.isEmpty() ? null : Etag.parse(text);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
