package dev.corvid.client.routing;

import dev.corvid.client.transport.NodeTransport;
import java.util.List;
import java.util.Optional;

/**
 * Where the store learns the replicas from, besides the urls it was given and the cached
 * topology. Called from the background refresher, only while the master is not known to be down.
 */
public interface TopologySource {

    /**
     * Asks the cluster for its replicas.
     *
     * @param master        the master's address
     * @param node          the transport to the master
     * @param timeoutMillis the deadline of the call
     * @return the replicas' addresses in failover order, or empty when this source cannot tell
     * @throws RuntimeException when the master could not answer (the refresher tries again later)
     */
    Optional<List<String>> replicas(String master, NodeTransport node, long timeoutMillis);
}
