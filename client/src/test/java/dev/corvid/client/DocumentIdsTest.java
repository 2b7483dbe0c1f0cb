package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DocumentIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"people/1", "a", "Products/999", "naïve/ü", "emoji/\uD83D\uDE00", "with inner space"})
    void check_goodIds_passUnchanged(String id) {
        assertEquals(id, DocumentIds.check(id));
    }

    @Test
    void check_maxLength_isAccepted_oneMoreIsNot() {
        assertEquals(512, DocumentIds.check("x".repeat(512)).length());
        BadRequestException e = assertThrows(BadRequestException.class, () -> DocumentIds.check("x".repeat(513)));
        assertTrue(e.getMessage().contains("513") && e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void check_badIds_sayWhatIsWrong() {
        assertMessage(null, "must not be null");
        assertMessage("", "must not be empty");
        assertMessage(" people/1", "must not start or end with whitespace");
        assertMessage("people/1\t", "must not start or end with whitespace");
        assertMessage("people/\u00001", "control characters (found U+0000 at position 7)");
        assertMessage("bad/\uD83D", "unpaired surrogate at position 4");
    }

    private static void assertMessage(String id, String expected) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> DocumentIds.check(id));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
