package dev.corvid.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One {@link CorvidTestCluster} of real node processes for a JUnit Jupiter test class: started
 * before its first test, stopped after its last, handed to any test, constructor or lifecycle
 * method that declares a {@code CorvidTestCluster} parameter.
 *
 * <pre>
 * &#64;CorvidCluster(nodes = 3)
 * class OrdersTest {
 *     &#64;Test
 *     void anOrderReachesEveryReplica(CorvidTestCluster cluster) {
 *         try (DocumentSession session = cluster.store().openSession()) { ... }
 *         cluster.awaitReplicated();
 *     }
 * }
 * </pre>
 *
 * <p>Tests of the class share the cluster, so a test that kills a node should restart it (or the
 * class should state its own order). The nodes' logs stay in the cluster's temporary directory
 * until the class ends; a failed start reports the node's last log lines.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(CorvidClusterExtension.class)
public @interface CorvidCluster {

    /** How many nodes, named A, B, C...: A the master. */
    int nodes() default 3;

    /** {@code ""} for a fixed master, {@code "manual"} or {@code "automatic"}: see {@link CorvidTestCluster.Builder#failover}. */
    String failover() default "";

    /** More top-level config members, as JSON without the braces: see {@link CorvidTestCluster.Builder#config}. */
    String config() default "";

    /** More JVM options for every node: see {@link CorvidTestCluster.Builder#jvmArgs}. */
    String[] jvmArgs() default {};
}
