package dev.corvid.client;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A read met a document in conflict (a write made elsewhere, such as a failover write on a replica
 * or an old master's tail, met a newer version on the master, and the node kept both) and no
 * {@link DocumentConflictListener} resolved it. Thrown by {@code DocumentSession.load}, queries,
 * {@code refresh} and {@link DatabaseCommands#get}; a session that threw it tracks nothing of that
 * read, and nothing was saved.
 *
 * <p>To end the conflict, save a resolution with {@link #getEtag()} as the expected etag: with
 * {@code session.store(entity, conflictEtag, id)} and {@code saveChanges()},
 * {@link DatabaseCommands#put(String, Etag, com.fasterxml.jackson.databind.node.ObjectNode,
 * com.fasterxml.jackson.databind.node.ObjectNode)} or {@link DatabaseCommands#delete(String, Etag)};
 * or register a listener ({@link DocumentStore#registerListener(DocumentConflictListener)}) that
 * resolves it at the next read. A save with that etag fails with {@link ConcurrencyException} when
 * the conflict changed meanwhile (someone resolved it, or another version joined).
 */
public class ConflictException extends CorvidException {

    private static final long serialVersionUID = 1L;

    private final String documentId;
    private final Etag etag;
    /** Not serialized (versions hold JSON trees); empty after deserialization. */
    private final transient List<ConflictedVersion> versions;

    /**
     * @param documentId the document in conflict
     * @param etag       the conflict's etag: the holder's {@code @etag} as the node served it
     * @param versions   the versions in conflict, as the node lists them (the master's own first)
     */
    ConflictException(String documentId, Etag etag, List<ConflictedVersion> versions) {
        super(message(documentId, etag, versions));
        this.documentId = documentId;
        this.etag = etag;
        this.versions = List.copyOf(versions);
    }

    private static String message(String documentId, Etag etag, List<ConflictedVersion> versions) {
        return "Document '" + documentId + "' is in conflict: " + versions.size() + " versions ("
                + versions.stream().map(ConflictedVersion::toString).collect(Collectors.joining(", "))
                + "), conflict etag " + etag + ", and no DocumentConflictListener resolved it. "
                + "Register one with DocumentStore.registerListener(DocumentConflictListener), or save a "
                + "resolution with the conflict etag: session.store(entity, conflictEtag, id) then saveChanges(), "
                + "DatabaseCommands.put(id, conflictEtag, body, metadata) or DatabaseCommands.delete(id, conflictEtag)";
    }

    /** The id of the document in conflict. */
    public String getDocumentId() {
        return documentId;
    }

    /**
     * The conflict's etag, to save a resolution with: a put or delete that expects it ends the
     * conflict on every node. It is the etag of the node that served the read; read from the
     * master ({@link DatabaseCommands#forceReadFromMaster()}) to get the master's.
     */
    public Etag getEtag() {
        return etag;
    }

    /**
     * The versions in conflict, at least two, the master's own current version first; an
     * unmodifiable list (empty only on an exception that was deserialized).
     */
    public List<ConflictedVersion> getVersions() {
        return versions == null ? List.of() : versions;
    }
}
