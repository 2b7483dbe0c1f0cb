/**
 * A Corvid cluster in a test: real node processes on loopback, one JVM each, started from the
 * test's class path.
 *
 * <ul>
 *   <li>{@link dev.corvid.testing.CorvidTestCluster}: the builder ({@code nodes}, {@code failover},
 *       more config), a node's life ({@code kill} is {@code kill -9}, {@code stop}, {@code restart},
 *       {@code pause}/{@code resume} by SIGSTOP/SIGCONT), {@code master()}, a {@code store()}
 *       wired to the cluster, {@code awaitReplicated()} and {@code checkConsistency()};</li>
 *   <li>{@link dev.corvid.testing.CorvidCluster}: one such cluster per JUnit Jupiter test class,
 *       injected as a parameter.</li>
 * </ul>
 *
 * <p>The node processes log through the test's SLF4J binding, to a file per node in the
 * cluster's directory; with none on the class path they log nothing. Each node stops when the
 * JVM that started it ends, however it ends.
 */
package dev.corvid.testing;
