package dev.corvid.client;

import java.util.List;

/**
 * Resolves documents in conflict on the client, as RavenDB 3.x's {@code IDocumentConflictListener}
 * does. Register with {@link DocumentStore#registerListener(DocumentConflictListener)}.
 *
 * <p>When a read (a session's load, query or refresh, or {@link DatabaseCommands#get}) meets a
 * document in conflict, the listeners are asked in registration order; the first resolution that
 * is not null is saved with the conflict's etag, through the same session (it counts against the
 * session's request budget), and the read returns the resolved document ({@code null}, or absent
 * from a query, for a delete). When no listener resolves it, the read throws
 * {@link ConflictException}. When the save fails because the conflict changed meanwhile, the
 * document is read once more and, if it is still in conflict, the listeners are asked once more;
 * a second failed save throws that {@link ConcurrencyException}.
 *
 * <p>A listener runs on the reading thread, may be called for the same document again (a re-read,
 * another session) and should be quick and deterministic; an exception it throws ends the read
 * (nothing is saved). The store's own {@link DocumentStore#getDatabaseCommands()} asks the
 * listeners registered so far; a session asks those registered when it was opened.
 */
@FunctionalInterface
public interface DocumentConflictListener {

    /**
     * Decides a document in conflict, or passes.
     *
     * @param id       the document id
     * @param versions the versions in conflict, at least two, the master's own current version
     *                 first; some may be deletes ({@link ConflictedVersion#isDeleted()})
     * @return {@link ConflictResolution#put} with the body and metadata to keep,
     *         {@link ConflictResolution#delete()} to delete the document, or {@code null} to let the
     *         next listener decide
     */
    ConflictResolution tryResolve(String id, List<ConflictedVersion> versions);
}
