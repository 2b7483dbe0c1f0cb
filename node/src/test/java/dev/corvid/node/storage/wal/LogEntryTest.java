package dev.corvid.node.storage.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.corvid.node.storage.Etag;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogEntryTest {

    @Test
    void plainAndMarkedTombstones_roundTrip_andAPlainOneIsEncodedAsBefore() throws Exception {
        Etag etag = Etag.of(0x00ABCD, 2, 7);
        byte[] marks = "{\"@failover-write\":true}".getBytes(StandardCharsets.UTF_8);
        List<LogEntry> decoded = LogEntry.decode(LogEntry.encode(List.of(
                new LogEntry.Delete("people/1", etag), new LogEntry.Delete("people/2", etag, marks))));
        LogEntry.Delete plain = (LogEntry.Delete) decoded.get(0);
        LogEntry.Delete marked = (LogEntry.Delete) decoded.get(1);
        assertEquals("people/1", plain.id());
        assertNull(plain.metadata());
        assertEquals(etag, marked.etag());
        assertArrayEquals(marks, marked.metadata());
        // The layout of a plain delete is the one logs written before marked tombstones existed use.
        byte[] bytes = LogEntry.encode(List.of(new LogEntry.Delete("x", etag)));
        assertEquals(4 + 1 + 2 + 1 + 16, bytes.length);
        assertEquals(LogEntry.DELETE, bytes[4]);
    }
}
