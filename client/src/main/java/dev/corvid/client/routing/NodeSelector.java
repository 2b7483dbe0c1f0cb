package dev.corvid.client.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which node each call goes to, like RavenDB's {@code NodeSelector}: the topology and the set of
 * nodes that failed are one immutable {@link State} in an {@link AtomicReference}, read once per
 * call and replaced as a whole. Failed nodes go to the end of every plan (a last resort, not
 * excluded: a stale mark must not make a call fail) until the prober sees them answer again.
 */
public final class NodeSelector {

    /**
     * @param topology the servers, master first
     * @param failed   addresses that did not answer their last call or probe; all in {@code topology}
     */
    public record State(Topology topology, Set<String> failed) {
        public State {
            failed = Set.copyOf(failed);
            assert topology.nodes().containsAll(failed) : failed + " not all in " + topology;
        }

        public boolean isFailed(String address) {
            return failed.contains(address);
        }
    }

    private final AtomicReference<State> state;
    private final FailoverPolicy policy;

    public NodeSelector(Topology topology, FailoverPolicy policy) {
        this.state = new AtomicReference<>(new State(topology, Set.of()));
        this.policy = policy;
    }

    public State state() {
        return state.get();
    }

    FailoverPolicy policy() {
        return policy;
    }

    /**
     * The nodes to try for a read, in order: under {@code READ_FROM_ALL_SERVERS} a striped session
     * starts at its own server (unless forced to the master), else the master comes first; then
     * the others in round-robin order. Live nodes before failed ones. Only the master under
     * {@code FAIL_IMMEDIATELY}.
     */
    List<String> readPlan(State s, SessionRouting routing) {
        List<String> nodes = s.topology().nodes();
        if (!policy.readsFromReplicas()) {
            return List.of(s.topology().master());
        }
        int start = policy.stripesReads() && routing.striped() && !routing.forceReadFromMaster()
                ? routing.stripe(nodes.size()) : 0;
        List<String> ordered = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            ordered.add(nodes.get((start + i) % nodes.size()));
        }
        return liveFirst(s, ordered);
    }

    /** The replicas a write may fail over to, live ones first; empty when the policy forbids it. */
    List<String> replicaWritePlan(State s) {
        return policy.writesToReplicas() ? liveFirst(s, s.topology().replicas()) : List.of();
    }

    /** Records that {@code address} did not answer; the prober takes it from here. */
    void markFailed(String address) {
        state.updateAndGet(s -> {
            if (s.isFailed(address) || !s.topology().nodes().contains(address)) {
                return s;
            }
            Set<String> failed = new HashSet<>(s.failed());
            failed.add(address);
            return new State(s.topology(), failed);
        });
    }

    /** Records that {@code address} answered again. */
    void markHealthy(String address) {
        state.updateAndGet(s -> {
            if (!s.isFailed(address)) {
                return s;
            }
            Set<String> failed = new HashSet<>(s.failed());
            failed.remove(address);
            return new State(s.topology(), failed);
        });
    }

    /**
     * Makes {@code master} the master, when it is another node and {@code epoch} is newer than the
     * topology's (or either epoch is unknown, as when a node refuses a write naming its master): a
     * promotion the client learned of. Its failure mark, if any, is cleared: it just answered.
     *
     * @return whether the master changed
     */
    boolean adoptMaster(String master, long epoch) {
        State before = state.get();
        State after = state.updateAndGet(s -> {
            Topology t = s.topology();
            boolean newer = epoch == 0 || t.epoch() == 0 || epoch > t.epoch();
            if (t.master().equals(master) || !newer) {
                return s;
            }
            Set<String> failed = new HashSet<>(s.failed());
            failed.remove(master);
            return new State(t.withMaster(master, epoch), failed);
        });
        return !after.topology().master().equals(before.topology().master());
    }

    /** Replaces the topology, keeping the failure marks of the nodes still in it. */
    void updateTopology(Topology topology) {
        state.updateAndGet(s -> {
            Set<String> failed = new HashSet<>(s.failed());
            failed.retainAll(topology.nodes());
            return new State(topology, failed);
        });
    }

    private static List<String> liveFirst(State s, List<String> ordered) {
        List<String> plan = new ArrayList<>(ordered.size());
        ordered.stream().filter(a -> !s.isFailed(a)).forEach(plan::add);
        ordered.stream().filter(s::isFailed).forEach(plan::add);
        return plan;
    }
}
