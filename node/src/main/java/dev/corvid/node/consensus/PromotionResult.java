package dev.corvid.node.consensus;

import java.util.Objects;

/**
 * What came of a request to promote a node.
 *
 * @param promoted whether this request made the node master (a new epoch began)
 * @param state    the state after the request: the new epoch when promoted, else the state that
 *                 made the group refuse (or the one a refusing check read)
 * @param reason   why it was refused, for an operator; empty when promoted
 */
public record PromotionResult(boolean promoted, ClusterEpoch state, String reason) {

    public PromotionResult {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        assert promoted == reason.isEmpty() : "a refusal says why, a promotion does not: " + reason;
    }

    static PromotionResult refused(ClusterEpoch state, String reason) {
        return new PromotionResult(false, state, reason);
    }
}
