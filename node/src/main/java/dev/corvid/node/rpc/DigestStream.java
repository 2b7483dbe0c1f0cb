package dev.corvid.node.rpc;

import dev.corvid.node.storage.ContentDigest;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestSnapshot;
import dev.corvid.proto.DocumentDigest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * Sends a {@link ContentScan} as {@link DigestPage}s, at the pace the caller reads them: a page is
 * read from storage only when the transport is ready for it, so a slow reader holds one page in
 * memory, not the whole listing. Runs on a blocking-pool thread (it waits for the reader).
 */
final class DigestStream {

    static final int DEFAULT_PAGE = 1_000;
    static final int MAX_PAGE = 10_000;
    /** A reader that takes nothing for this long is given up on. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ServerCallStreamObserver<DigestPage> out;
    private final Object ready = new Object();

    DigestStream(ServerCallStreamObserver<DigestPage> out) {
        this.out = out;
        // Must be set before the handler returns; wakes the sending thread when the transport drains.
        out.setOnReadyHandler(this::wake);
        out.setOnCancelHandler(this::wake);
    }

    /** The page size a request asks for, checked. */
    static int pageSize(int requested) {
        if (requested < 0 || requested > MAX_PAGE) {
            throw new IllegalArgumentException("page_size must be from 1 to " + MAX_PAGE + " (0: " + DEFAULT_PAGE
                    + "), was " + requested);
        }
        return requested == 0 ? DEFAULT_PAGE : requested;
    }

    /** Streams every page of {@code scan}; the first carries {@code snapshot}, the last the changed count. */
    void send(ContentScan scan, DigestSnapshot snapshot, int pageSize) throws InterruptedException {
        DigestPage.Builder page = DigestPage.newBuilder().setSnapshot(snapshot);
        do {
            if (!awaitReady()) {
                return;
            }
            for (ContentDigest d : scan.nextPage(pageSize)) {
                page.addEntries(digest(d));
            }
            if (scan.done()) {
                page.setLast(true).setChangedDuringScan(scan.changedDuringScan());
            }
            out.onNext(page.build());
            page = DigestPage.newBuilder();
        } while (!scan.done());
        out.onCompleted();
    }

    private static DocumentDigest digest(ContentDigest d) {
        DocumentDigest.Builder b = DocumentDigest.newBuilder().setId(d.id()).setDeleted(d.deleted())
                .setEtag(d.etag().toString()).setBodyHash(ByteString.copyFrom(d.bodyHash()));
        if (d.collection() != null) {
            b.setCollection(d.collection());
        }
        return b.build();
    }

    /** False when the caller went away or stopped reading for {@link #STALL_NANOS}. */
    private boolean awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + STALL_NANOS;
        synchronized (ready) {
            while (!out.isReady()) {
                if (out.isCancelled()) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    out.onError(Status.DEADLINE_EXCEEDED.withDescription("digest reader stalled").asRuntimeException());
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(ready, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
        return !out.isCancelled();
    }

    private void wake() {
        synchronized (ready) {
            ready.notifyAll();
        }
    }
}
