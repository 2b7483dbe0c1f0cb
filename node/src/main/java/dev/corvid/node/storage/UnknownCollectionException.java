package dev.corvid.node.storage;

/** A query named a collection that this node has never stored a document in. */
public class UnknownCollectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownCollectionException(String collection) {
        super("unknown collection '" + collection + "': no document with that @collection was ever stored here");
    }
}
