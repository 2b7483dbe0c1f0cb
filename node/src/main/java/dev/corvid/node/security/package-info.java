/**
 * TLS between nodes and to clients. {@link dev.corvid.node.security.Tls} turns the cluster's
 * {@link dev.corvid.node.config.TlsSettings} into gRPC credentials (a node's server and its calls
 * to other nodes, the tools' calls as {@code admin}); {@link dev.corvid.node.security.Authorization}
 * decides who may make which call, by the verified client certificate's name and role.
 * {@link dev.corvid.node.security.LocalCertificates} makes a local CA and, signed by it, a certificate per node and per client role, written as PEM
 * files and PKCS#12 stores in the layout {@link dev.corvid.node.security.CertificateFiles} names
 * ({@code corvid-admin certs} writes them). It is for local and test clusters: the keys are not
 * encrypted and the stores' password is the well-known
 * {@value dev.corvid.node.security.LocalCertificates#STORE_PASSWORD}.
 * BouncyCastle is imported in this package only; keys, signatures and stores are the JDK's.
 */
package dev.corvid.node.security;
