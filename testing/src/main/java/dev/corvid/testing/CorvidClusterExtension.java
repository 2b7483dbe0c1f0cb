package dev.corvid.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link CorvidCluster}: starts the class's cluster before its first test
 * and stops it after its last. A {@code @Nested} class shares its outer class's cluster. Uses
 * only API that JUnit Jupiter 5 and 6 both have.
 */
public final class CorvidClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CorvidClusterExtension.class);
    private static final String KEY = "cluster";

    @Override
    public void beforeAll(ExtensionContext context) {
        obtain(context);
    }

    /**
     * The cluster of the context's class, started now if none has been: in {@code beforeAll}, or
     * earlier for the constructor of a {@code PER_CLASS} test instance. A store answers from its
     * parents too, so a nested class finds its outer class's cluster.
     */
    private static CorvidTestCluster obtain(ExtensionContext context) {
        CorvidTestCluster running = context.getStore(NAMESPACE).get(KEY, CorvidTestCluster.class);
        if (running != null) {
            return running;
        }
        Class<?> testClass = context.getRequiredTestClass();
        CorvidCluster settings = AnnotationSupport.findAnnotation(testClass, CorvidCluster.class)
                .orElseThrow(() -> new ExtensionConfigurationException(testClass.getName()
                        + " registers CorvidClusterExtension without @CorvidCluster: annotate the class instead"));
        CorvidTestCluster.Builder builder = CorvidTestCluster.builder().nodes(settings.nodes())
                .config(settings.config()).jvmArgs(settings.jvmArgs());
        if (!settings.failover().isEmpty()) {
            builder.failover(settings.failover());
        }
        CorvidTestCluster cluster = builder.start();
        context.getStore(NAMESPACE).put(KEY, cluster);
        return cluster;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Only the class that started it removes it: remove looks at this context's own store.
        CorvidTestCluster cluster = context.getStore(NAMESPACE).remove(KEY, CorvidTestCluster.class);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == CorvidTestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return obtain(context);
    }
}
