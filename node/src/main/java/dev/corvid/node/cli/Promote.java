package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.proto.ClusterGrpc;
import dev.corvid.proto.PromoteRequest;
import dev.corvid.proto.PromoteResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corvid-admin promote NODE}: makes NODE master through any node that answers (see the
 * {@code Cluster.Promote} contract). Exit 0 when NODE is master afterwards, 1 when refused, 3
 * when no node answered.
 */
@Command(name = "promote", description = "Makes NODE master in the next epoch (planned through the master,"
        + " or --force when the master is gone).")
final class Promote extends Admin.ConfigCommand {

    @Parameters(index = "0", description = "The node to make master.")
    String node;

    @Option(names = "--force", description = "Promote without the master (it is down): needs a majority; refused"
            + " when another live node is further ahead.")
    boolean force;

    @Option(names = "--even-if-behind", description = "With --force: promote although another live node is ahead"
            + " (its extra writes come back as hand-backs or conflicts).")
    boolean evenIfBehind;

    @Override
    public Integer call() {
        ClusterConfig cluster = cluster();
        cluster.node(node);
        List<NodeConfig> order = new ArrayList<>();
        order.add(cluster.node(node)); // the node itself first: it is alive, or promoting it makes no sense
        cluster.nodes().stream().filter(n -> !n.name().equals(node)).forEach(order::add);
        List<String> failures = new ArrayList<>();
        for (NodeConfig via : order) {
            ManagedChannel channel = Admin.channel(cluster, via.address());
            try {
                PromoteResponse r = ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .promote(PromoteRequest.newBuilder().setNode(node).setForce(force).setEvenIfBehind(evenIfBehind).build());
                if (r.getPromoted()) {
                    System.out.printf("%s is master of epoch %d%n", r.getMaster(), r.getEpoch());
                    return 0;
                }
                System.out.printf("not promoted: %s (epoch %d, master %s)%n", r.getReason(), r.getEpoch(), r.getMaster());
                return r.getMaster().equals(node) ? 0 : 1;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE
                        || e.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
                    failures.add(via.name() + ": " + e.getStatus());
                    continue;
                }
                System.out.println("not promoted: " + e.getStatus().getDescription());
                return 1;
            } finally {
                channel.shutdownNow();
            }
        }
        System.out.println("no node answered: " + String.join("; ", failures));
        return 3;
    }
}
