/**
 * Node values as they travel in the protobuf messages of {@code corvid.v1}, in one place for every
 * layer that builds or reads those messages: the services ({@code rpc}), the master's replication
 * sender ({@code replication}) and the admin tools ({@code cli}). {@link dev.corvid.node.wire.WireEtag}
 * is the only code that turns an etag into bytes on the wire and back; the text form of an etag is
 * for people (logs, the admin tools) and the client's API, never for the wire.
 */
package dev.corvid.node.wire;
