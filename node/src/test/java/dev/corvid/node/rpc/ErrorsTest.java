package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.storage.BadRequestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

class ErrorsTest {

    @Test
    void badRequest_isInvalidArgument_withItsMessage() {
        StatusRuntimeException e = Errors.toStatus(new BadRequestException("document id must not be empty"));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("document id must not be empty", e.getStatus().getDescription());
    }

    /** A message quoting a long input would make a trailer larger than a client takes (it would see INTERNAL). */
    @Test
    void longMessage_isCut_neverInsideASurrogatePair() {
        String quoted = "etag '" + "x".repeat(Errors.MAX_DESCRIPTION_CHARS - 7) + "😀" + "y".repeat(100_000) + "' does not parse";
        String description = Errors.toStatus(new BadRequestException(quoted)).getStatus().getDescription();
        assertEquals("etag '" + "x".repeat(Errors.MAX_DESCRIPTION_CHARS - 7) + "... (" + quoted.length() + " characters in all)",
                description);
        assertTrue(description.length() < Errors.MAX_DESCRIPTION_CHARS + 40);
    }
}
