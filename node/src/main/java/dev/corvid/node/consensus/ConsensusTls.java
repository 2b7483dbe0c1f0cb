package dev.corvid.node.consensus;

import java.nio.file.Path;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS for the Raft group's gRPC traffic: this node's certificate and key (PEM, PKCS#8) and
 * the CA its peers' certificates must chain to. The Raft server requires a client certificate,
 * and the node's own Raft clients present this one.
 *
 * @param certificate this node's certificate chain (PEM)
 * @param key         its private key (PKCS#8 PEM)
 * @param ca          the CA certificate (PEM)
 */
public record ConsensusTls(Path certificate, Path key, Path ca) {

    /** The Ratis parameters that carry this TLS configuration, or none for plaintext ({@code tls} null). */
    static Parameters parameters(ConsensusTls tls) {
        Parameters parameters = new Parameters();
        if (tls != null) {
            GrpcTlsConfig conf = new GrpcTlsConfig(tls.key().toFile(), tls.certificate().toFile(), tls.ca().toFile(), true);
            GrpcConfigKeys.TLS.setConf(parameters, conf);
            GrpcConfigKeys.Server.setTlsConf(parameters, conf);
            GrpcConfigKeys.Client.setTlsConf(parameters, conf);
            GrpcConfigKeys.Admin.setTlsConf(parameters, conf);
        }
        return parameters;
    }
}
