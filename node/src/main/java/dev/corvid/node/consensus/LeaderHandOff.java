package dev.corvid.node.consensus;

import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In automatic mode, a master that is also the Raft leader hands the Raft leadership to another
 * member. Why: when a master that leads dies, the others must first elect a leader (an election
 * timeout and a vote) and that leader then gives the master a lease from when it became leader, so
 * the failover costs an election on top of the lease. A master that does not lead costs only the
 * lease. It hands off only once it may acknowledge (so a transfer never delays its first write),
 * to the follower that answered the leader most recently, and tries at most once a lease.
 *
 * <p>Ticks come from the monitor thread.
 */
final class LeaderHandOff {

    private static final Logger log = LoggerFactory.getLogger(LeaderHandOff.class);

    /** A follower that has not answered the leader for this long is not offered the leadership. */
    private final long responsiveMillis;
    private final long retryNanos;
    private final Supplier<RoleInfoProto> readyLeaderRole;
    private final BooleanSupplier mayAcknowledge;
    private final Predicate<String> transfer;
    private final LongSupplier clock;
    private long lastAttemptNanos;
    private boolean attempted;

    /**
     * @param readyLeaderRole this node's role while it is a leader ready to serve, else null
     * @param mayAcknowledge  whether this node, as master, may acknowledge now
     * @param transfer        asks the group to make the named member leader; true if it did
     */
    LeaderHandOff(ConsensusSettings settings, Supplier<RoleInfoProto> readyLeaderRole, BooleanSupplier mayAcknowledge,
                  Predicate<String> transfer, LongSupplier clock) {
        this.responsiveMillis = settings.electionTimeoutMin().toMillis();
        this.retryNanos = settings.lease().toNanos();
        this.readyLeaderRole = readyLeaderRole;
        this.mayAcknowledge = mayAcknowledge;
        this.transfer = transfer;
        this.clock = clock;
    }

    /** One look; hands off at most once a lease. Never throws (it runs on a scheduler). */
    void tick() {
        try {
            check();
        } catch (RuntimeException e) {
            log.warn("consensus: handing the Raft leadership off failed; it is tried again in a lease", e);
        }
    }

    private void check() {
        long now = clock.getAsLong();
        if (attempted && now - lastAttemptNanos < retryNanos) {
            return;
        }
        RoleInfoProto role = readyLeaderRole.get();
        if (role == null || !mayAcknowledge.getAsBoolean()) {
            return;
        }
        Optional<String> target = role.getLeaderInfo().getFollowerInfoList().stream()
                .filter(f -> f.getLastRpcElapsedTimeMs() < responsiveMillis)
                .min(Comparator.comparingLong(ServerRpcProto::getLastRpcElapsedTimeMs))
                .map(f -> f.getId().getId().toStringUtf8());
        if (target.isEmpty()) {
            return; // no responsive follower: nobody to hand off to, and no election to save either
        }
        attempted = true;
        lastAttemptNanos = now;
        if (transfer.test(target.get())) {
            log.info("consensus: this master handed the Raft leadership to {}, so that its death costs no election",
                    target.get());
        }
    }
}
