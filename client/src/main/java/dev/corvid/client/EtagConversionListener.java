package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The seed's conversion listener: every entity loaded or queried gets the etag it was loaded with
 * in its {@code Etag etag} property ({@code setEtag(Etag)}, or a field {@code etag}), which the
 * application keeps out of the document with {@code @JsonIgnore}. Entities without such a
 * property are left alone. Register it together with {@link EtagStoreListener}:
 *
 * <pre>{@code
 * store.registerListener(new EtagConversionListener()).registerListener(new EtagStoreListener());
 * }</pre>
 *
 * Then a later session can check a change against the version the user saw:
 * {@code session.store(person, person.getEtag())}.
 */
public class EtagConversionListener implements DocumentConversionListener {

    @Override
    public void afterConversionToEntity(String id, ObjectNode document, ObjectNode metadata, Object entity) {
        EtagProperty.copyFromMetadata(entity, metadata);
    }
}
