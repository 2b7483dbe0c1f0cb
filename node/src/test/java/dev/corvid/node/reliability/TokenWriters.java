package dev.corvid.node.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.WriteResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers that append tokens to a few shared documents on the master under optimistic concurrency
 * (read, append, put with the etag read), the way an application keeps a list: a token counts as
 * acknowledged only when its put succeeded, and every token ever sent is recorded, so afterwards
 * "none missing" (every acknowledged token is stored) and "none invented" (every stored token was
 * sent, once) can be checked. Calls wait for the master while it is down.
 */
final class TokenWriters implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "{\"@collection\":\"Tokens\"}";

    private final ManagedChannel master;
    private final int documents;
    private final List<Thread> threads = new ArrayList<>();
    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger conflicts = new AtomicInteger();
    private final AtomicInteger unknownOutcomes = new AtomicInteger();
    /** The highest change counter of an etag the master answered a write with. */
    private final AtomicLong highestAcknowledgedChange = new AtomicLong();
    private volatile boolean running = true;

    TokenWriters(ManagedChannel master, int writers, int documents) {
        this.master = master;
        this.documents = documents;
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> write(writer), "token-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    static String id(int document) {
        return "tokens/" + document;
    }

    void start() {
        threads.forEach(Thread::start);
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    long highestAcknowledgedChange() {
        return highestAcknowledgedChange.get();
    }

    Set<String> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    Set<String> sent() {
        return Set.copyOf(sent);
    }

    String summary() {
        return sent.size() + " tokens sent, " + acknowledged.size() + " acknowledged, " + conflicts.get()
                + " concurrency conflicts retried, " + unknownOutcomes.get() + " with unknown outcome";
    }

    private void write(int writer) {
        DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(master).withWaitForReady();
        long n = 0;
        while (running) {
            String token = writer + "-" + n++;
            String id = id(ThreadLocalRandom.current().nextInt(documents));
            sent.add(token);
            while (running) {
                try {
                    GetResult current = docs.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .get(GetRequest.newBuilder().addIds(id).build()).getResults(0);
                    ObjectNode body = current.getFound() ? (ObjectNode) parse(current.getDocument().getBodyJson())
                            : JSON.createObjectNode();
                    ArrayNode tokens = body.withArray("tokens");
                    tokens.add(token);
                    ByteString expected = current.getFound() ? current.getDocument().getEtag() : WireEtag.bytes(Etag.EMPTY);
                    WriteResponse done = docs.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                            .setPut(PutCommand.newBuilder().setId(id).setExpectedEtag(expected)
                                    .setMetadataJson(ByteString.copyFromUtf8(METADATA))
                                    .setBodyJson(ByteString.copyFromUtf8(body.toString())))
                            .build());
                    acknowledged.add(token);
                    highestAcknowledgedChange.accumulateAndGet(WireEtag.etag(done.getResults(0).getEtag()).change(), Math::max);
                    break;
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.ABORTED) {
                        conflicts.incrementAndGet(); // not written: read again and retry the same token
                        continue;
                    }
                    // The master went away mid-call: the token may or may not be stored. Never resend it.
                    unknownOutcomes.incrementAndGet();
                    break;
                }
            }
        }
    }

    /** Every token stored in the documents, as {@code node} answers; fails on a token stored twice. */
    static Set<String> stored(ManagedChannel node, int documents) {
        List<String> ids = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            ids.add(id(d));
        }
        Set<String> out = new HashSet<>();
        for (GetResult r : DocumentsGrpc.newBlockingStub(node).withDeadlineAfter(30, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().addAllIds(ids).build()).getResultsList()) {
            if (r.getFound()) {
                for (JsonNode t : parse(r.getDocument().getBodyJson()).path("tokens")) {
                    if (!out.add(t.asText())) {
                        throw new AssertionError("token " + t.asText() + " stored twice in " + r.getDocument().getId());
                    }
                }
            }
        }
        return out;
    }

    private static JsonNode parse(ByteString json) {
        try {
            return JSON.readTree(json.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
