package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The seed's store listener: after {@code saveChanges()}, every entity it stored gets its new etag
 * in its {@code Etag etag} property ({@code setEtag(Etag)}, or a field {@code etag}). Entities
 * without such a property are left alone. See {@link EtagConversionListener}.
 */
public class EtagStoreListener implements DocumentStoreListener {

    @Override
    public void afterStore(String id, Object entity, ObjectNode metadata) {
        EtagProperty.copyFromMetadata(entity, metadata);
    }
}
