package dev.corvid.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer of the consistency suite: until told to stop, picks one of its own ids and does a
 * blind put, a conditional update through a session (load, change, save with optimistic
 * concurrency; a new document is saved with "must not exist"), a put with a stale etag that the
 * master must reject, or a delete. Every body is unique ({@code writer}, {@code seq}), so the
 * final state tells which write made it. After a refused write it reads, which failover serves
 * from a replica while the master is down.
 */
final class ConsistencyWriter implements Runnable {

    /** The entity the session path loads and saves. */
    public static final class Item {
        private String id;
        private int writer;
        private long seq;
        private String note;

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public int getWriter() {
            return writer;
        }

        public void setWriter(int writer) {
            this.writer = writer;
        }

        public long getSeq() {
            return seq;
        }

        public void setSeq(long seq) {
            this.seq = seq;
        }

        public String getNote() {
            return note;
        }

        public void setNote(String note) {
            this.note = note;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DocumentStore store;
    private final int writer;
    private final int ids;
    private final WriteLog log;
    private final AtomicBoolean running;
    /** id -> an etag the master acknowledged for it before its latest acknowledged one. */
    private final Map<String, Etag> staleEtags = new HashMap<>();
    private final Map<String, Etag> latestEtags = new HashMap<>();
    private long seq;

    ConsistencyWriter(DocumentStore store, int writer, int ids, WriteLog log, AtomicBoolean running) {
        this.store = store;
        this.writer = writer;
        this.ids = ids;
        this.log = log;
        this.running = running;
    }

    @Override
    public void run() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running.get()) {
            String id = "items/w" + writer + "-" + random.nextInt(ids);
            double dice = random.nextDouble();
            WriteLog.Outcome outcome;
            if (dice < 0.4) {
                outcome = blindPut(id);
            } else if (dice < 0.75) {
                outcome = conditionalUpdate(id);
            } else if (dice < 0.85 && staleEtags.containsKey(id)) {
                outcome = stalePut(id);
            } else {
                outcome = delete(id);
            }
            if (outcome == WriteLog.Outcome.REFUSED) {
                readAfterRefusal(id);
            }
        }
    }

    private ObjectNode nextBody() {
        seq++;
        return JSON.createObjectNode().put("writer", writer).put("seq", seq).put("note", "w" + writer + "-" + seq);
    }

    private static ObjectNode metadata() {
        return JSON.createObjectNode().put("@collection", "Items");
    }

    private WriteLog.Outcome blindPut(String id) {
        ObjectNode body = nextBody();
        return attempt(id, body, () -> acknowledged(id, store.getDatabaseCommands().put(id, null, body, metadata())));
    }

    private WriteLog.Outcome stalePut(String id) {
        ObjectNode body = nextBody();
        return attempt(id, body, () -> acknowledged(id, store.getDatabaseCommands().put(id, staleEtags.get(id), body, metadata())));
    }

    private WriteLog.Outcome delete(String id) {
        return attempt(id, null, () -> {
            store.getDatabaseCommands().delete(id, null);
            latestEtags.remove(id);
            staleEtags.remove(id);
        });
    }

    private WriteLog.Outcome conditionalUpdate(String id) {
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Item item;
            try {
                item = session.load(Item.class, id);
            } catch (NodeUnreachableException e) {
                return WriteLog.Outcome.REFUSED; // no node could serve the read: nothing was written
            }
            if (item == null) {
                item = new Item();
                session.store(item, id); // new: saved with "must not exist"
            }
            ObjectNode body = nextBody();
            item.setWriter(writer);
            item.setSeq(body.get("seq").asLong());
            item.setNote(body.get("note").asText());
            Item saved = item;
            return attempt(id, body, () -> {
                session.saveChanges();
                acknowledged(id, session.advanced().getEtagFor(saved));
            });
        }
    }

    private void acknowledged(String id, Etag etag) {
        Etag previous = latestEtags.put(id, etag);
        if (previous != null) {
            staleEtags.put(id, previous);
        }
    }

    private void readAfterRefusal(String id) {
        try {
            store.getDatabaseCommands().get(id);
            log.readDuringOutage();
        } catch (NodeUnreachableException e) {
            // every node down at that instant: nothing to count
        }
    }

    /** Runs one write and records what the client saw of it. */
    private WriteLog.Outcome attempt(String id, JsonNode body, Runnable write) {
        WriteLog.Outcome outcome;
        try {
            write.run();
            outcome = WriteLog.Outcome.ACKNOWLEDGED;
        } catch (ConcurrencyException e) {
            outcome = WriteLog.Outcome.CONFLICT;
        } catch (MasterUnavailableException e) {
            // The client says when the write may have reached the master before it stopped answering.
            outcome = e.getMessage().contains("may have reached") ? WriteLog.Outcome.UNKNOWN : WriteLog.Outcome.REFUSED;
        } catch (NodeUnreachableException e) {
            outcome = WriteLog.Outcome.UNKNOWN;
        }
        log.record(id, body, outcome);
        return outcome;
    }
}
