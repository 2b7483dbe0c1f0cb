package dev.corvid.node.config;

/**
 * Request limits of a node.
 *
 * @param maxDocumentBytes largest document, metadata and body JSON together (default 4 MiB)
 * @param maxRequestBytes  largest gRPC request, e.g. a batch of several documents (default 64 MiB)
 * @param defaultPageSize  query results when a query does not say (default 128)
 * @param maxPageSize      most query results one request may ask for (default 1024)
 * @param maxSortedWindow  most results a query with sort keys may reach, {@code skip + take}
 *                         (default 10,000): it holds that many matches in order while it reads
 *                         its collection
 */
public record Limits(int maxDocumentBytes, int maxRequestBytes, int defaultPageSize, int maxPageSize, int maxSortedWindow) {

    public static final Limits DEFAULT = new Limits(4 * 1024 * 1024, 64 * 1024 * 1024, 128, 1024, 10_000);

    public Limits {
        Require.atLeast("limits.maxDocumentBytes", maxDocumentBytes, 1024);
        Require.that(maxRequestBytes > maxDocumentBytes,
                "limits.maxRequestBytes (" + maxRequestBytes + ") must exceed limits.maxDocumentBytes (" + maxDocumentBytes + ")");
        Require.atLeast("limits.defaultPageSize", defaultPageSize, 1);
        Require.that(maxPageSize >= defaultPageSize,
                "limits.maxPageSize (" + maxPageSize + ") must be at least limits.defaultPageSize (" + defaultPageSize + ")");
        Require.that(maxSortedWindow >= maxPageSize,
                "limits.maxSortedWindow (" + maxSortedWindow + ") must be at least limits.maxPageSize (" + maxPageSize + ")");
    }
}
