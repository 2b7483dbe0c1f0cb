package dev.corvid.node.consensus;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * This node's requests to the group, through Ratis clients that find the leader themselves. Two
 * clients, because their deadlines differ: commands and reads may wait out an election
 * ({@link ConsensusSettings#requestTimeout()}); a lease renewal that takes half a lease is worth
 * little, so it gives up then and the next one is sent.
 *
 * <p>Blocking; each caller is one of the consensus threads or a caller of {@link Consensus}.
 */
final class RaftCalls implements AutoCloseable {

    private final RaftClient commands;
    private final RaftClient renewals;
    private final Duration requestTimeout;
    private final Duration renewTimeout;

    /** @param parameters the Ratis parameters of the clients (TLS, see {@link ConsensusTls}) */
    RaftCalls(RaftGroup group, ConsensusSettings settings, Parameters parameters) {
        this.requestTimeout = settings.requestTimeout();
        this.renewTimeout = settings.lease().dividedBy(2);
        this.commands = client(group, settings.lease(), requestTimeout, parameters);
        this.renewals = client(group, renewTimeout, renewTimeout, parameters);
    }

    /** Sends a command through the log and returns what the state machine made of it. */
    ConsensusState.Applied send(Command command) {
        return Codec.applied(call(commands, command, requestTimeout));
    }

    /** Sends a renewal with the renewal deadline. */
    ConsensusState.Applied renew(Command.RenewLease renewal) {
        return Codec.applied(call(renewals, renewal, renewTimeout));
    }

    /** The group's state as of now: a read-only request that the leader answers after a ReadIndex round. */
    ConsensusState readLinearizable() {
        return Codec.state(call(commands, new Command.Query(), requestTimeout));
    }

    /**
     * Asks the leader to hand the leadership to {@code member} and waits up to {@code timeout}.
     *
     * @return whether {@code member} became leader
     */
    boolean transferLeadership(String member, Duration timeout) {
        try {
            return commands.admin().transferLeadership(RaftPeerId.valueOf(member), timeout.toMillis()).isSuccess();
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] call(RaftClient client, Command command, Duration timeout) {
        Message message = Message.valueOf(ByteString.copyFrom(Codec.command(command)));
        RaftClientReply reply;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            reply = send(client, command, message, deadline);
        } catch (StateMachineException e) {
            // The leader refused to log it: a command this code should never build.
            throw new IllegalArgumentException("the group refused " + command + ": " + e.getMessage(), e);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new ConsensusException("interrupted while waiting for the group to answer " + command, e);
        } catch (IOException e) {
            throw new ConsensusException("the consensus group did not answer " + command + " within "
                    + timeout.toMillis() + " ms (no majority reachable, or an election under way): " + e, e);
        }
        if (!reply.isSuccess()) {
            throw new ConsensusException("the consensus group failed " + command + ": " + reply, reply.getException());
        }
        return reply.getMessage().getContent().toByteArray();
    }

    /**
     * The client retries by itself, except while a leader hands its leadership off or steps down:
     * it throws those at once. The leader refused such a request before logging it, so it is sent
     * again until the deadline.
     */
    private static RaftClientReply send(RaftClient client, Command command, Message message, long deadline)
            throws IOException {
        while (true) {
            try {
                return command instanceof Command.Query ? client.io().sendReadOnly(message) : client.io().send(message);
            } catch (TransferLeadershipException | LeaderSteppingDownException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(ConsensusSettings.RETRY_SLEEP.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the leadership moved");
                }
            }
        }
    }

    private static RaftClient client(RaftGroup group, Duration attemptTimeout, Duration totalTimeout, Parameters parameters) {
        RetryPolicy retry = RetryPolicies.retryForeverWithSleep(ConsensusSettings.ratis(ConsensusSettings.RETRY_SLEEP));
        RetryPolicy policy = RequestTypeDependentRetryPolicy.newBuilder()
                .setRetryPolicy(TypeCase.WRITE, retry)
                .setRetryPolicy(TypeCase.READ, retry)
                .setTimeout(TypeCase.WRITE, ConsensusSettings.ratis(totalTimeout))
                .setTimeout(TypeCase.READ, ConsensusSettings.ratis(totalTimeout))
                .build();
        return RaftClient.newBuilder()
                .setRaftGroup(group)
                .setProperties(ConsensusSettings.clientProperties(attemptTimeout))
                .setRetryPolicy(policy)
                .setParameters(parameters)
                .build();
    }

    @Override
    public void close() throws IOException {
        try {
            commands.close();
        } finally {
            renewals.close();
        }
    }
}
