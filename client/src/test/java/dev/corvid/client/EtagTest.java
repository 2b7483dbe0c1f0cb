package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class EtagTest {

    @Test
    void parse_thenToString_roundTripsInUppercase() {
        Etag etag = Etag.parse("01000000-0000-0001-0000-00000000002a");
        assertEquals("01000000-0000-0001-0000-00000000002A", etag.toString());
        assertEquals(etag, Etag.parse(etag.toString()));
    }

    @Test
    void empty_isAllZeros_andParsesToTheSameInstance() {
        assertEquals("00000000-0000-0000-0000-000000000000", Etag.EMPTY.toString());
        assertSame(Etag.EMPTY, Etag.parse("00000000-0000-0000-0000-000000000000"));
        assertTrue(Etag.EMPTY.isEmpty());
    }

    @Test
    void fromBytes_matchesTextLayout() {
        byte[] bytes = new byte[16];
        bytes[0] = 1;
        bytes[7] = 1;
        bytes[15] = 0x2A;
        Etag etag = Etag.fromBytes(bytes);
        assertEquals("01000000-0000-0001-0000-00000000002A", etag.toString());
        bytes[0] = 9; // the etag keeps its own copy
        assertEquals("01000000-0000-0001-0000-00000000002A", etag.toString());
    }

    @Test
    void compareTo_treatsBytesAsUnsigned() {
        Etag small = Etag.parse("7F000000-0000-0000-0000-000000000000");
        Etag big = Etag.parse("80000000-0000-0000-0000-000000000000");
        List<Etag> etags = new ArrayList<>(List.of(big, Etag.EMPTY, small));
        Collections.sort(etags);
        assertEquals(List.of(Etag.EMPTY, small, big), etags);
        assertTrue(Etag.parse("01000000-0000-0001-0000-0000000000FF")
                .compareTo(Etag.parse("01000000-0000-0001-0000-000000000100")) < 0);
    }

    @Test
    void equalsAndHashCode_followTheBytes() {
        Etag a = Etag.parse("01000000-0000-0001-0000-00000000002A");
        Etag b = Etag.parse("01000000-0000-0001-0000-00000000002a");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, Etag.parse("01000000-0000-0001-0000-00000000002B"));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "not an etag", "01000000-0000-0001-0000-00000000002", "01000000-0000-0001-0000-00000000002AA",
        "01000000_0000-0001-0000-00000000002A", "0100000G-0000-0001-0000-00000000002A", "01000000-0000-0001-0000-0000000000２A"})
    void parse_badText_throwsWithTheTextQuoted(String text) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> Etag.parse(text));
        assertTrue(e.getMessage().contains(text == null ? "null" : "'" + text + "'"), e.getMessage());
    }

    @Test
    void fromBytes_wrongLength_throws() {
        assertThrows(IllegalArgumentException.class, () -> Etag.fromBytes(new byte[15]));
    }

    @Test
    void wireForm_emptyBytesMeanNoEtag_andAnEtagIsItsSixteenBytes() {
        assertEquals(ByteString.EMPTY, Etag.toWire(null));
        assertEquals(null, Etag.fromWire(ByteString.EMPTY));
        Etag etag = Etag.parse("01000000-0000-0001-0000-00000000002A");
        assertEquals(ByteString.copyFrom(etag.toByteArray()), Etag.toWire(etag));
        assertEquals(etag, Etag.fromWire(Etag.toWire(etag)));
        assertThrows(CorvidException.class, () -> Etag.fromWire(ByteString.copyFromUtf8(etag.toString())));
        assertEquals(Etag.EMPTY, Etag.fromWire(Etag.toWire(Etag.EMPTY)));
    }
}
