package dev.corvid.node.config;

/**
 * Request limits of a node.
 *
 * @param maxDocumentBytes largest document, metadata and body JSON together (default 4 MiB)
 * @param maxRequestBytes  largest gRPC request, e.g. a batch of several documents (default 64 MiB)
 * @param defaultPageSize  query results when a query does not say (default 128)
 * @param maxPageSize      most query results one request may ask for (default 1024)
 */
public record Limits(int maxDocumentBytes, int maxRequestBytes, int defaultPageSize, int maxPageSize) {

    public static final Limits DEFAULT = new Limits(4 * 1024 * 1024, 64 * 1024 * 1024, 128, 1024);

    public Limits {
        require(maxDocumentBytes >= 1024, "limits.maxDocumentBytes must be at least 1024, was " + maxDocumentBytes);
        require(maxRequestBytes > maxDocumentBytes,
                "limits.maxRequestBytes (" + maxRequestBytes + ") must exceed limits.maxDocumentBytes (" + maxDocumentBytes + ")");
        require(defaultPageSize >= 1, "limits.defaultPageSize must be at least 1, was " + defaultPageSize);
        require(maxPageSize >= defaultPageSize,
                "limits.maxPageSize (" + maxPageSize + ") must be at least limits.defaultPageSize (" + defaultPageSize + ")");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }
}
