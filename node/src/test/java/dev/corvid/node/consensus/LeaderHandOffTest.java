package dev.corvid.node.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class LeaderHandOffTest {

    private final AtomicLong now = new AtomicLong(3_000_000_000L);
    private final AtomicReference<RoleInfoProto> role = new AtomicReference<>();
    private final AtomicBoolean mayAcknowledge = new AtomicBoolean(true);
    private final List<String> transfers = new ArrayList<>();
    private final LeaderHandOff handOff = new LeaderHandOff(ConsensusSettings.DEFAULT, role::get,
            mayAcknowledge::get, member -> transfers.add(member), now::get);

    private static RoleInfoProto leading(long elapsedB, long elapsedC) {
        return RoleInfoProto.newBuilder().setLeaderInfo(LeaderInfoProto.newBuilder()
                .addFollowerInfo(follower("B", elapsedB)).addFollowerInfo(follower("C", elapsedC))).build();
    }

    private static ServerRpcProto follower(String name, long elapsedMillis) {
        return ServerRpcProto.newBuilder().setId(RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(name)))
                .setLastRpcElapsedTimeMs(elapsedMillis).build();
    }

    @Test
    void aLeadingMaster_handsOffToTheFollowerThatAnsweredLast_atMostOnceALease() {
        role.set(leading(40, 12));
        handOff.tick();
        assertEquals(List.of("C"), transfers);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        handOff.tick();
        assertEquals(1, transfers.size(), "still leading a moment later: no second try yet");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        handOff.tick();
        assertEquals(List.of("C", "C"), transfers);
    }

    @Test
    void noHandOff_whenNotLeading_beforeItMayAcknowledge_orWithoutAResponsiveFollower() {
        handOff.tick();
        role.set(leading(10, 10));
        mayAcknowledge.set(false);
        handOff.tick();
        mayAcknowledge.set(true);
        role.set(leading(5_000, 400));
        handOff.tick();
        assertTrue(transfers.isEmpty(), transfers.toString());
    }
}
