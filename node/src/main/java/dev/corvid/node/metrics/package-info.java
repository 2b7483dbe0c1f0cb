/**
 * A node's metrics: Micrometer meters in a Prometheus registry ({@link
 * dev.corvid.node.metrics.NodeMetrics}), the gRPC calls counted by method and status code ({@link
 * dev.corvid.node.metrics.CallMetrics}), and the scrape endpoint on the node's {@code metricsPort}
 * ({@link dev.corvid.node.metrics.MetricsEndpoint}).
 */
package dev.corvid.node.metrics;
