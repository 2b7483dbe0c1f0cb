package dev.corvid.client.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.DocumentStoreListener;
import dev.corvid.client.Etag;

/** The seed's store listener: every saved {@link Person} gets its new etag. */
public class EtagStoreListener implements DocumentStoreListener {

    @Override
    public void afterStore(String id, Object entity, ObjectNode metadata) {
        if (entity instanceof Person person && metadata.hasNonNull("@etag")) {
            person.setEtag(Etag.parse(metadata.get("@etag").asText()));
        }
    }
}
