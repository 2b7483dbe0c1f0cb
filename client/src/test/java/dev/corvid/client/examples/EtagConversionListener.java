package dev.corvid.client.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.DocumentConversionListener;
import dev.corvid.client.Etag;

/** The seed's conversion listener: every loaded {@link Person} gets the etag it was loaded with. */
public class EtagConversionListener implements DocumentConversionListener {

    @Override
    public void afterConversionToEntity(String id, ObjectNode document, ObjectNode metadata, Object entity) {
        if (entity instanceof Person person && metadata.hasNonNull("@etag")) {
            person.setEtag(Etag.parse(metadata.get("@etag").asText()));
        }
    }
}
