package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EtagTest {

    @Test
    void text_isGroupedUpperCaseHex() {
        assertEquals("01ABCDEF-0000-0007-0000-00000000002A", Etag.of(0xABCDEF, 7, 42).toString());
        assertEquals("00000000-0000-0000-0000-000000000000", Etag.EMPTY.toString());
        assertEquals("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", Etag.fromLongs(-1L, -1L).toString());
    }

    @Test
    void text_roundTripsAndMatchesFormattedHex() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            Etag etag = Etag.fromLongs(random.nextLong(), random.nextLong());
            String h = String.format(Locale.ROOT, "%016X", etag.high());
            String l = String.format(Locale.ROOT, "%016X", etag.change());
            String expected = h.substring(0, 8) + '-' + h.substring(8, 12) + '-' + h.substring(12) + '-'
                    + l.substring(0, 4) + '-' + l.substring(4);
            assertEquals(expected, etag.toString());
            assertEquals(etag, Etag.parse(etag.toString()));
            assertEquals(etag, Etag.parse(etag.toString().toLowerCase(Locale.ROOT)));
        }
    }

    @Test
    void parse_refusesMalformedText() {
        for (String bad : new String[] {"", "01ABCDEF-0000-0007-0000-00000000002", "01ABCDEF00000-0007-0000-00000000002A",
                "01ABCDEG-0000-0007-0000-00000000002A", "01ABCDEF-0000-0007-0000-00000000002A0"}) {
            assertThrows(IllegalArgumentException.class, () -> Etag.parse(bad), bad);
        }
    }
}
