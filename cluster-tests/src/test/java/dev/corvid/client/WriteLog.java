package dev.corvid.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every write the consistency suite's clients attempted, per id in the order it was made, with
 * what the client saw of it. Each id is written by one thread only, so its list is a sequence.
 */
final class WriteLog {

    enum Outcome {
        /** The node answered success. */
        ACKNOWLEDGED,
        /** Rejected by an etag check: certainly not applied. */
        CONFLICT,
        /** The master was known to be down and the write provably never left the client. */
        REFUSED,
        /** The connection broke while the write was out: it may or may not have been applied. */
        UNKNOWN
    }

    /** One write: a put of {@code body}, or a delete when {@code body} is null. */
    record Write(JsonNode body, Outcome outcome) {
        boolean mayBeApplied() {
            return outcome == Outcome.ACKNOWLEDGED || outcome == Outcome.UNKNOWN;
        }

        String describe() {
            return (body == null ? "delete" : "put " + body) + " (" + outcome + ")";
        }
    }

    /** Whether a final state is allowed, and why not when it is not. */
    record Verdict(boolean allowed, boolean byUnknownWrite, String explanation) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, List<Write>> writes = new ConcurrentHashMap<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong readsDuringOutage = new AtomicLong();

    /** Records one attempted write; call from the id's owning thread only. */
    void record(String id, JsonNode body, Outcome outcome) {
        body = body == null ? null : normalized(body);
        writes.computeIfAbsent(id, k -> Collections.synchronizedList(new ArrayList<>())).add(new Write(body, outcome));
        switch (outcome) {
            case ACKNOWLEDGED -> acknowledged.incrementAndGet();
            case CONFLICT -> conflicts.incrementAndGet();
            case REFUSED -> refused.incrementAndGet();
            case UNKNOWN -> unknown.incrementAndGet();
        }
    }

    /** A read that succeeded while writes were being refused (so served by a replica). */
    void readDuringOutage() {
        readsDuringOutage.incrementAndGet();
    }

    List<String> ids() {
        return List.copyOf(writes.keySet());
    }

    long acknowledged() {
        return acknowledged.get();
    }

    long conflicts() {
        return conflicts.get();
    }

    long refused() {
        return refused.get();
    }

    long unknown() {
        return unknown.get();
    }

    long readsDuringOutage() {
        return readsDuringOutage.get();
    }

    long attempted() {
        return writes.values().stream().mapToLong(List::size).sum();
    }

    /**
     * Judges an id's final body ({@code null}: missing or deleted). Allowed: the state the last
     * acknowledged write left (nothing, when none was acknowledged), or the state of a later write
     * whose outcome is unknown. A body no write of this id carried is never allowed.
     */
    Verdict verdict(String id, JsonNode finalBody) {
        List<Write> sequence = List.copyOf(writes.get(id));
        int lastAck = -1;
        for (int i = 0; i < sequence.size(); i++) {
            if (sequence.get(i).outcome() == Outcome.ACKNOWLEDGED) {
                lastAck = i;
            }
        }
        boolean matchesLastAck = lastAck < 0 ? finalBody == null : same(sequence.get(lastAck).body(), finalBody);
        if (matchesLastAck) {
            return new Verdict(true, false, "");
        }
        for (int i = lastAck + 1; i < sequence.size(); i++) {
            if (sequence.get(i).outcome() == Outcome.UNKNOWN && same(sequence.get(i).body(), finalBody)) {
                return new Verdict(true, true, "");
            }
        }
        boolean anyClientWroteIt = finalBody == null
                || sequence.stream().anyMatch(w -> w.mayBeApplied() && same(w.body(), finalBody));
        String what = anyClientWroteIt ? "an acknowledged write was lost or an older state came back"
                : "a body no client wrote";
        return new Verdict(false, false, id + ": " + what + "; final state on the master: "
                + (finalBody == null ? "none" : finalBody) + "; last acknowledged: "
                + (lastAck < 0 ? "none" : sequence.get(lastAck).describe()) + "; writes since: "
                + sequence.subList(lastAck + 1, sequence.size()).stream().map(Write::describe).toList());
    }

    /** As read back from JSON text, so numbers compare by value (an int read back vs a long written). */
    private static JsonNode normalized(JsonNode body) {
        try {
            return JSON.readTree(body.toString());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean same(JsonNode written, JsonNode found) {
        return written == null ? found == null : written.equals(found);
    }
}
