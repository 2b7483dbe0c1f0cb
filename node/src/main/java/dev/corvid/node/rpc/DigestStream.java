package dev.corvid.node.rpc;

import com.google.protobuf.ByteString;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.ContentDigest;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestSnapshot;
import dev.corvid.proto.DocumentDigest;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends a {@link ContentScan} as {@link DigestPage}s, at the pace the caller reads them, without a
 * thread waiting for the caller: a page is read from storage (on the blocking pool, as it may touch
 * the disk) only when the transport is ready for it, and the next one when the transport says so
 * ({@code onReady}). So a slow reader holds one page and the scan's pinned point, and no thread;
 * one that takes nothing for {@code serving.readerStallMillis} is reset ({@link ReaderWatch}).
 * However the stream ends, the scan is closed.
 *
 * <p>Page tasks run one at a time ({@link #running}), so the scan, which is not thread-safe, is
 * only touched by one thread at a time, and the executor's hand-off orders those touches.
 */
final class DigestStream {

    /** Entries per page when a request does not say; a constant of the protocol (see {@code DigestRequest}). */
    static final int DEFAULT_PAGE = 1_000;
    /** Most entries per page a request may ask for; a constant of the protocol (see {@code DigestRequest}). */
    static final int MAX_PAGE = 10_000;

    private final ServerCallStreamObserver<DigestPage> out;
    private final Executor pages;
    private final Supplier<ContentScan> open;
    private final Function<ContentScan, DigestSnapshot> snapshot;
    private final int pageSize;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();
    private final ReaderWatch watch;
    /** Set by the first page task, under this; then read by page tasks, and closed by {@link #end}. */
    private ContentScan scan;
    /** Guarded by this: a page task is queued or running. */
    private boolean running;
    /** Guarded by this: the stream is over; nothing more is sent. */
    private boolean ended;

    /**
     * Called in the Digest handler, which is when gRPC takes a stream's handlers.
     *
     * @param open    takes the scan's snapshot; runs on {@code pages}
     * @param release called once when the stream is over, however it ends
     */
    DigestStream(ServerCallStreamObserver<DigestPage> out, Executor pages, ScheduledExecutorService timer,
                 long stallMillis, Supplier<ContentScan> open, Function<ContentScan, DigestSnapshot> snapshot,
                 int pageSize, Runnable release) {
        this.out = out;
        this.pages = pages;
        this.open = open;
        this.snapshot = snapshot;
        this.pageSize = pageSize;
        this.release = release;
        this.watch = new ReaderWatch(timer, stallMillis, "Digest stream", this::readerOwes, this::reset);
        out.setOnReadyHandler(this::pump);
        out.setOnCancelHandler(this::cancelled);
    }

    /**
     * The page size a request asks for, checked.
     *
     * @throws BadRequestException when it is negative or over {@link #MAX_PAGE}
     */
    static int pageSize(int requested) {
        if (requested < 0 || requested > MAX_PAGE) {
            throw new BadRequestException("page_size must be from 1 to " + MAX_PAGE + " (0: " + DEFAULT_PAGE
                    + "), was " + requested);
        }
        return requested == 0 ? DEFAULT_PAGE : requested;
    }

    /** Sends the first page as soon as the transport is ready. */
    void start() {
        pump();
    }

    /** Queues the next page task, unless one is queued or the transport is not ready. Any thread. */
    private void pump() {
        synchronized (this) {
            if (running || ended) {
                return;
            }
            if (!out.isReady()) {
                watch.waiting(); // onReady calls again
                return;
            }
            running = true;
        }
        try {
            pages.execute(this::step);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                running = false;
            }
            fail(Errors.overloaded());
        }
    }

    /** One page, on the pool: read it, send it, and go on if the transport takes more. */
    private void step() {
        DigestPage page;
        boolean last;
        try {
            DigestPage.Builder b = DigestPage.newBuilder();
            if (scan == null) {
                ContentScan opened = open.get();
                synchronized (this) {
                    scan = opened;
                    if (ended) {
                        running = false;
                        opened.close(); // ended while it opened: end() found no scan to close
                        return;
                    }
                }
                b.setSnapshot(snapshot.apply(scan));
            }
            for (ContentDigest d : scan.nextPage(pageSize)) {
                b.addEntries(digest(d));
            }
            last = scan.done();
            if (last) {
                b.setLast(true).setChangedDuringScan(scan.changedDuringScan());
            }
            page = b.build();
        } catch (RuntimeException e) {
            synchronized (this) {
                running = false;
            }
            fail(Errors.toStatus(e));
            return;
        }
        synchronized (this) {
            running = false;
            if (ended) {
                return;
            }
            out.onNext(page);
            watch.progress();
            if (last) {
                ended = true;
                out.onCompleted();
            }
        }
        if (last) {
            end();
        } else {
            pump();
        }
    }

    private static DocumentDigest digest(ContentDigest d) {
        DocumentDigest.Builder b = DocumentDigest.newBuilder().setId(d.id()).setDeleted(d.deleted())
                .setEtag(WireEtag.bytes(d.etag())).setBodyHash(ByteString.copyFrom(d.bodyHash()))
                .setConflicted(d.conflicted());
        if (d.collection() != null) {
            b.setCollection(d.collection());
        }
        return b.build();
    }

    /** Whether the next page waits for the reader (and not for the pool). */
    private synchronized boolean readerOwes() {
        return !ended && !running && !out.isReady();
    }

    private void fail(RuntimeException error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            out.onError(error);
        }
        end();
    }

    /** Resets the stream (see {@link StreamReset}). */
    private void reset() {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            out.onNext(StreamReset.DIGEST);
        }
        end();
    }

    /** The caller went away, or the stream was reset: a page task that runs drops its page. */
    private void cancelled() {
        synchronized (this) {
            ended = true;
        }
        end();
    }

    private void end() {
        watch.done();
        ContentScan opened;
        synchronized (this) {
            opened = scan;
        }
        if (opened != null) {
            opened.close();
        }
        if (released.compareAndSet(false, true)) {
            release.run();
        }
    }
}
