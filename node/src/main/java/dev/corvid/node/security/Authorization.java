package dev.corvid.node.security;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.TlsSettings;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a TLS node, who may make which call. Every call but the health check needs a client
 * certificate the TLS handshake verified against the cluster's CA (else {@code UNAUTHENTICATED});
 * its common name gives its {@link Role} (else, or when the role is too small for the call,
 * {@code PERMISSION_DENIED} naming the call and the roles). Nothing of a refused call runs. The
 * caller's {@link Identity} is then the call's, for the checks within it. Each refused host or
 * certificate is logged once, not once per retry (at most {@value #LOGGED} remembered).
 *
 * <p>What each call needs: Get, Query, Topology, Stats, Exchange and reflection {@code read} (an
 * Exchange's writes {@code readwrite}, checked per call); Put, Delete, Batch, BatchMany, ReserveIds
 * {@code readwrite}; Digest and Promote {@code admin}; replication {@code node}; anything else
 * {@code admin}.
 */
public final class Authorization implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(Authorization.class);
    static final int LOGGED = 1_024;

    private static final Map<String, Role> REQUIRED = Map.ofEntries(
            Map.entry("corvid.v1.Documents/Get", Role.READ),
            Map.entry("corvid.v1.Documents/Query", Role.READ),
            Map.entry("corvid.v1.Documents/Topology", Role.READ),
            Map.entry("corvid.v1.Documents/Stats", Role.READ),
            Map.entry("corvid.v1.Documents/Exchange", Role.READ),
            Map.entry("corvid.v1.Documents/Put", Role.READWRITE),
            Map.entry("corvid.v1.Documents/Delete", Role.READWRITE),
            Map.entry("corvid.v1.Documents/Batch", Role.READWRITE),
            Map.entry("corvid.v1.Documents/BatchMany", Role.READWRITE),
            Map.entry("corvid.v1.Documents/ReserveIds", Role.READWRITE),
            Map.entry("corvid.v1.Documents/Digest", Role.ADMIN),
            Map.entry("corvid.v1.Cluster/Promote", Role.ADMIN),
            Map.entry("corvid.v1.Replication/Replicate", Role.NODE),
            Map.entry("corvid.v1.Replication/ConfirmStream", Role.NODE),
            Map.entry("corvid.v1.Replication/HandBack", Role.NODE));

    private final String node;
    private final Map<String, Role> roles;
    private final Set<String> deniedSerials;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /**
     * @param node  this node's name, for messages
     * @param roles each certificate common name's role (the nodes of the config have {@link Role#NODE})
     * @param deniedSerials revoked certificates' serial numbers, as {@link TlsSettings#serial} writes them
     */
    public Authorization(String node, Map<String, Role> roles, Set<String> deniedSerials) {
        this.node = node;
        this.roles = Map.copyOf(roles);
        this.deniedSerials = Set.copyOf(deniedSerials);
    }

    /** The authorization of {@code cluster}'s node {@code node}: its roles and revoked serials. */
    public static Authorization of(ClusterConfig cluster, String node) {
        return new Authorization(node, roles(cluster), cluster.tls().deniedSerials());
    }

    /** The roles of {@code cluster}'s certificates: its {@code tls.roles}, and {@link Role#NODE} for each of its nodes. */
    private static Map<String, Role> roles(ClusterConfig cluster) {
        Map<String, Role> roles = new java.util.HashMap<>();
        cluster.tls().roles().forEach((name, role) -> roles.put(name, Role.fromConfig(role)));
        cluster.nodes().forEach(n -> roles.put(n.name(), Role.NODE));
        return roles;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (call.getMethodDescriptor().getServiceName().equals(HealthGrpc.SERVICE_NAME)) {
            return next.startCall(call, headers);
        }
        X509Certificate leaf = verifiedLeaf(call);
        String name = leaf == null ? null : commonName(leaf);
        String serial = leaf == null ? null : leaf.getSerialNumber().toString(16);
        if (serial != null && deniedSerials.contains(serial)) {
            return refuse(call, Status.UNAUTHENTICATED, "serial:" + serial, "certificate CN="
                    + name + " (serial " + serial + ") is revoked by the cluster config's"
                    + " \"tls\": {\"deniedSerials\"}; node '" + node + "' refuses " + method);
        }
        if (name == null) {
            return refuse(call, Status.UNAUTHENTICATED, "host:" + host(call), "node '" + node + "' takes " + method
                    + " only with a client certificate signed by the cluster's CA (DocumentStore.setCertificate, or the"
                    + " cluster's clients/ certificates for the tools)");
        }
        Role role = roles.get(name);
        if (role == null) {
            return refuse(call, Status.PERMISSION_DENIED, "cn:" + name, "certificate CN=" + name + " has no role in"
                    + " cluster config's \"tls\": {\"roles\"}; node '" + node + "' refuses " + method);
        }
        Role required = REQUIRED.getOrDefault(method, method.startsWith("grpc.reflection.") ? Role.READ : Role.ADMIN);
        if (!role.covers(required)) {
            return refuse(call, Status.PERMISSION_DENIED, "cn:" + name + ":" + method, method + " needs role "
                    + required.configName() + "; certificate CN=" + name + " has role " + role.configName()
                    + ": nothing was done");
        }
        Context context = Context.current().withValue(Identity.KEY, new Identity(name, role));
        return Contexts.interceptCall(context, call, headers, next);
    }

    private <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status, String logKey, String why) {
        if (logged.size() < LOGGED && logged.add(logKey)) {
            log.warn("node {} refused {} from {}: {} (not logged again for this caller)", node,
                    call.getMethodDescriptor().getFullMethodName(), host(call), why);
        }
        call.close(status.withDescription(why), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /** The client certificate the handshake verified; null without one. */
    private static X509Certificate verifiedLeaf(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain != null && chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The certificate's common name; null when its subject has none. */
    static String commonName(X509Certificate leaf) {
        try {
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    private static String host(ServerCall<?, ?> call) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}
