package dev.corvid.node.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {

    @Test
    void everyCommand_roundTrips() {
        for (Command c : List.of(new Command.Promote("node-b", 7, -1), new Command.Promote("C", 1, 42),
                new Command.RenewLease("A", 3), new Command.Release("é-node", 9), new Command.Query())) {
            assertEquals(c, Codec.command(Codec.command(c)));
        }
    }

    @Test
    void stateAndReply_roundTrip() {
        ConsensusState s = new ConsensusState(new ClusterEpoch(12, "B", true, false), 99);
        assertEquals(s, Codec.state(Codec.state(s)));
        ConsensusState.Applied refused = new ConsensusState.Applied(false, s, "expected epoch 3");
        assertEquals(refused, Codec.applied(Codec.applied(refused)));
    }

    @Test
    void anotherVersion_isRejected() {
        byte[] bytes = Codec.command(new Command.RenewLease("A", 3));
        bytes[0] = 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codec.command(bytes));
        assertTrue(e.getMessage().contains("format version 2"), e.getMessage());
    }

    @Test
    void anUnknownKind_leftOverBytes_orATruncatedCommand_areRejected() {
        assertThrows(IllegalArgumentException.class, () -> Codec.command(new byte[] {Codec.VERSION, 99}));
        byte[] ok = Codec.command(new Command.Release("A", 1));
        byte[] longer = Arrays.copyOf(ok, ok.length + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codec.command(longer));
        assertTrue(e.getMessage().contains("1 bytes left over"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Codec.command(Arrays.copyOf(ok, ok.length - 1)));
        assertThrows(IllegalArgumentException.class, () -> Codec.command(new byte[0]));
    }

    @Test
    void aNameLongerThanTheLimit_isNotWritten() {
        String name = "n".repeat(Codec.MAX_NAME_LENGTH + 1);
        assertThrows(IllegalArgumentException.class, () -> Codec.command(new Command.RenewLease(name, 1)));
    }
}
