package dev.corvid.client.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.corvid.client.BadRequestException;
import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.CorvidException;
import dev.corvid.client.Etag;
import dev.corvid.client.NodeUnreachableException;
import dev.corvid.client.NotMasterException;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.NotMaster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.Test;

/** The client's half of the error table, fed the statuses a node sends. */
class GrpcErrorsTest {

    private static final String ADDRESS = "10.0.0.7:7001";

    private static StatusRuntimeException withDetail(Status.Code code, String message, Message detail) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value()).setMessage(message).addDetails(Any.pack(detail)).build());
    }

    @Test
    void aborted_withViolation_isAConcurrencyExceptionWithTheEtags() {
        StatusRuntimeException e = withDetail(Status.Code.ABORTED, "mismatch", ConcurrencyViolation.newBuilder()
                .setOperation(ConcurrencyViolation.Operation.DELETE).setId("people/1")
                .setExpectedEtag(ByteString.copyFrom(Etag.parse("01000000-0000-0001-0000-000000000001").toByteArray())).setActualEtag(ByteString.EMPTY).build());
        ConcurrencyException c = assertInstanceOf(ConcurrencyException.class, GrpcErrors.toException(e, ADDRESS, "Batch"));
        assertEquals("people/1", c.getDocumentId());
        assertEquals(Etag.parse("01000000-0000-0001-0000-000000000001"), c.getExpectedEtag());
        assertNull(c.getActualEtag(), "the document does not exist");
        assertTrue(c.getMessage().startsWith("DELETE attempted on document 'people/1' using a non current etag"),
                c.getMessage());
        assertSame(e, c.getCause());
    }

    @Test
    void invalidArgument_isABadRequestWithTheNodesMessage() {
        StatusRuntimeException e = Status.INVALID_ARGUMENT.withDescription("body is not a JSON object").asRuntimeException();
        CorvidException c = GrpcErrors.toException(e, ADDRESS, "Put");
        assertInstanceOf(BadRequestException.class, c);
        assertTrue(c.getMessage().contains("body is not a JSON object") && c.getMessage().contains(ADDRESS), c.getMessage());
    }

    @Test
    void failedPrecondition_withNotMaster_namesTheMaster() {
        StatusRuntimeException e = withDetail(Status.Code.FAILED_PRECONDITION, "replica",
                NotMaster.newBuilder().setMasterName("A").setMasterAddress("10.0.0.1:7001").build());
        NotMasterException c = assertInstanceOf(NotMasterException.class, GrpcErrors.toException(e, ADDRESS, "Batch"));
        assertEquals("10.0.0.1:7001", c.getMasterAddress());
        assertTrue(c.getMessage().contains(ADDRESS) && c.getMessage().contains("10.0.0.1:7001"), c.getMessage());
    }

    @Test
    void failedPrecondition_forAFailoverWriteWhileTheReplicaReachesTheMaster_isNotMaster_withTheReplicasReason() {
        String reason = "node 'B' is a replica and takes a failover write only while it cannot reach its master, but it"
                + " can reach master 'A' at 10.0.0.1:7001 (last heard from it 120 ms ago); nothing was written";
        StatusRuntimeException e = withDetail(Status.Code.FAILED_PRECONDITION, reason,
                NotMaster.newBuilder().setMasterName("A").setMasterAddress("10.0.0.1:7001").build());
        NotMasterException c = assertInstanceOf(NotMasterException.class, GrpcErrors.toException(e, ADDRESS, "Batch"));
        assertEquals("10.0.0.1:7001", c.getMasterAddress());
        assertTrue(c.getMessage().startsWith("Node " + ADDRESS + " is not the master and refuses Batch; the master is A at "
                + "10.0.0.1:7001 (" + reason + ")"), c.getMessage());
    }

    @Test
    void unavailableAndDeadlineExceeded_areNodeUnreachable_namingTheAddress() {
        for (Status status : new Status[] {Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED}) {
            NodeUnreachableException c = assertInstanceOf(NodeUnreachableException.class,
                    GrpcErrors.toException(status.asRuntimeException(), ADDRESS, "Get"));
            assertEquals(ADDRESS, c.getAddress());
            assertTrue(c.getMessage().contains(ADDRESS) && c.getMessage().contains(status.getCode().name()), c.getMessage());
        }
    }

    @Test
    void anythingElse_isAPlainCorvidException() {
        CorvidException c = GrpcErrors.toException(Status.INTERNAL.withDescription("boom").asRuntimeException(), ADDRESS, "Get");
        assertEquals(CorvidException.class, c.getClass());
        assertTrue(c.getMessage().contains("INTERNAL: boom"), c.getMessage());
        CorvidException aborted = GrpcErrors.toException(Status.ABORTED.asRuntimeException(), ADDRESS, "Batch");
        assertEquals(CorvidException.class, aborted.getClass(), "ABORTED without details carries no etags");
    }
}
