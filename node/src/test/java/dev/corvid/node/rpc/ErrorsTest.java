package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /** A plain IllegalArgumentException inside the node is a bug, not bad input: the client learns nothing of it. */
    @Test
    void illegalArgumentFromInsideTheNode_isInternal_withAGenericDescription() {
        StatusRuntimeException e = Errors.toStatus(new IllegalArgumentException("index 7 out of range in MapDbIndex"));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertEquals(Errors.INTERNAL_DESCRIPTION, e.getStatus().getDescription());
        assertFalse(e.getStatus().getDescription().contains("MapDbIndex"));
        assertEquals(Status.Code.INTERNAL, Errors.toStatus(new IllegalStateException("oops")).getStatus().getCode());
    }

    @Test
    void theStatusesOfSituations_carryTheirCodes() {
        assertEquals(Status.Code.DEADLINE_EXCEEDED, Errors.expiredBeforeStart().getStatus().getCode());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Errors.exchangeCallTooLarge(5000, 4096).getCode());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Errors.tooManyDigestStreams(4).getStatus().getCode());
        assertEquals(Status.Code.UNAVAILABLE, Errors.overloaded().getStatus().getCode());
        assertEquals(Status.Code.CANCELLED, Errors.streamReset().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, Errors.noExchangeCall().getStatus().getCode());
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
