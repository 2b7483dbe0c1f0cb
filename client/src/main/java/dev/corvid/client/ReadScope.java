package dev.corvid.client;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stretch of a session during which its reads go to the master (see
 * {@link DatabaseCommands#forceReadFromMaster()}), so the etags it loads are the master's, which
 * is what a concurrency check on the master compares with. Scopes nest; closing one restores the
 * routing from before it was opened. Closing twice does nothing; {@link #close()} throws nothing.
 *
 * <pre>{@code
 * try (ReadScope scope = session.getDatabaseCommands().forceReadFromMaster()) {
 *     Product p = session.load(Product.class, "products/999");   // master etag
 *     p.setName("New Name");
 *     session.saveChanges();
 * }
 * }</pre>
 */
public final class ReadScope implements AutoCloseable {

    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    ReadScope(Runnable onClose) {
        this.onClose = onClose;
    }

    /** Ends this scope. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
        }
    }
}
