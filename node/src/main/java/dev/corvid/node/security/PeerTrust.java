package dev.corvid.node.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server's certificate only when the cluster's CA verifies it and its common name is the
 * one node it is dialed as: a node's traffic for one peer goes to that peer's certificate only.
 */
final class PeerTrust extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager ca;
    private final String peer;

    PeerTrust(X509ExtendedTrustManager ca, String peer) {
        this.ca = ca;
        this.peer = peer;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        ca.checkServerTrusted(chain, authType, engine);
        requirePeer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        ca.checkServerTrusted(chain, authType, socket);
        requirePeer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        ca.checkServerTrusted(chain, authType);
        requirePeer(chain);
    }

    private void requirePeer(X509Certificate[] chain) throws CertificateException {
        String name = Authorization.commonName(chain[0]);
        if (!peer.equals(name)) {
            throw new CertificateException("the server at node '" + peer + "''s address presents the certificate of '"
                    + name + "', not node '" + peer + "''s");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a peer trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a peer trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a peer trust manager verifies servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca.getAcceptedIssuers();
    }
}
