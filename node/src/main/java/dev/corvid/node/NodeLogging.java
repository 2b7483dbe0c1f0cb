package dev.corvid.node;

/**
 * The logging of the node's programs (the node, {@code corvid-admin}). The node jar is also a
 * library ({@link CorvidNode#standalone}), so it carries no {@code logback.xml} that would take
 * over an application's logging, and logback only as an optional dependency; its programs' own
 * configuration is {@value #CONFIGURATION}, which they select before anything logs.
 */
public final class NodeLogging {

    /** The logback configuration of the node's programs, a resource of the node jar. */
    public static final String CONFIGURATION = "corvid-node-logback.xml";

    private NodeLogging() {
    }

    /**
     * Selects {@value #CONFIGURATION} unless {@code -Dlogback.configurationFile} names another or
     * the class path has a {@code logback.xml} or {@code logback-test.xml} of its own (an
     * operator's, a test's). Call first in {@code main}, before any logger exists.
     */
    public static void useProgramConfiguration() {
        if (System.getProperty("logback.configurationFile") == null
                && NodeLogging.class.getResource("/logback-test.xml") == null
                && NodeLogging.class.getResource("/logback.xml") == null) {
            System.setProperty("logback.configurationFile", CONFIGURATION);
        }
    }
}
