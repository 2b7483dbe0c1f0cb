package dev.corvid.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.corvid.node.consensus.ConsensusSettings;
import dev.corvid.node.storage.ConflictPolicy;
import java.time.Duration;

/**
 * The settings sections of the cluster config file, as Jackson reads them: every field optional
 * (null when absent), named as in the file; what is absent keeps its default. The file's model
 * extends it with the cluster's name, nodes and secret.
 */
class SettingsFile {

    @JsonProperty
    LimitsModel limits;
    @JsonProperty
    StorageModel storage;
    @JsonProperty
    ReplicationModel replication;
    @JsonProperty
    ServingModel serving;
    @JsonProperty
    String failover;
    @JsonProperty
    ConsensusModel consensus;

    /** The settings the file gives, defaults for what it does not. */
    NodeSettings toSettings() {
        return new NodeSettings(
                limits == null ? Limits.DEFAULT : limits.toLimits(),
                storage == null ? StorageSettings.DEFAULT : storage.toSettings(),
                replication == null ? ReplicationSettings.DEFAULT : replication.toSettings(),
                serving == null ? ServingLimits.DEFAULT : serving.toLimits(),
                failover == null ? FailoverMode.STATIC : FailoverMode.fromConfig(failover),
                consensus == null ? ConsensusSettings.DEFAULT : consensus.toSettings(), TlsSettings.NONE);
    }

    private static <T> T or(T value, T otherwise) {
        return value != null ? value : otherwise;
    }

    private static Duration millisOr(Long millis, Duration otherwise) {
        return millis != null ? Duration.ofMillis(millis) : otherwise;
    }

    static final class ConsensusModel {
        @JsonProperty
        Long leaseMillis;
        @JsonProperty
        Long electionTimeoutMinMillis;
        @JsonProperty
        Long electionTimeoutMaxMillis;
        @JsonProperty
        Long requestTimeoutMillis;
        @JsonProperty
        Long snapshotEntries;

        ConsensusSettings toSettings() {
            ConsensusSettings d = ConsensusSettings.DEFAULT;
            try {
                return new ConsensusSettings(millisOr(leaseMillis, d.lease()),
                        millisOr(electionTimeoutMinMillis, d.electionTimeoutMin()),
                        millisOr(electionTimeoutMaxMillis, d.electionTimeoutMax()),
                        millisOr(requestTimeoutMillis, d.requestTimeout()), or(snapshotEntries, d.snapshotEntries()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
    }

    static final class LimitsModel {
        @JsonProperty
        Integer maxDocumentBytes;
        @JsonProperty
        Integer maxRequestBytes;
        @JsonProperty
        Integer defaultPageSize;
        @JsonProperty
        Integer maxPageSize;
        @JsonProperty
        Integer maxSortedWindow;

        Limits toLimits() {
            Limits d = Limits.DEFAULT;
            return new Limits(or(maxDocumentBytes, d.maxDocumentBytes()), or(maxRequestBytes, d.maxRequestBytes()),
                    or(defaultPageSize, d.defaultPageSize()), or(maxPageSize, d.maxPageSize()),
                    or(maxSortedWindow, d.maxSortedWindow()));
        }
    }

    static final class StorageModel {
        @JsonProperty
        Long logSegmentBytes;
        @JsonProperty
        Integer checkpointEntries;
        @JsonProperty
        Long checkpointIntervalMillis;
        @JsonProperty
        Long cacheBytes;

        StorageSettings toSettings() {
            StorageSettings d = StorageSettings.DEFAULT;
            return new StorageSettings(or(logSegmentBytes, d.logSegmentBytes()),
                    or(checkpointEntries, d.checkpointEntries()),
                    or(checkpointIntervalMillis, d.checkpointIntervalMillis()), or(cacheBytes, d.cacheBytes()));
        }
    }

    static final class ReplicationModel {
        @JsonProperty
        Long heartbeatMillis;
        @JsonProperty
        Long masterTimeoutMillis;
        @JsonProperty
        Long handshakeTimeoutMillis;
        @JsonProperty
        Long confirmStreamTimeoutMillis;
        @JsonProperty
        Long reconnectBackoffMinMillis;
        @JsonProperty
        Long reconnectBackoffMaxMillis;
        @JsonProperty
        Integer maxBatchChanges;
        @JsonProperty
        Long maxBatchBytes;
        @JsonProperty
        Integer lagHistoryCommits;
        @JsonProperty
        Long maxAssuranceWaitMillis;
        @JsonProperty
        String conflicts;

        ReplicationSettings toSettings() {
            ReplicationSettings d = ReplicationSettings.DEFAULT;
            return new ReplicationSettings(
                    millisOr(heartbeatMillis, d.heartbeat()),
                    millisOr(masterTimeoutMillis, d.masterTimeout()),
                    millisOr(handshakeTimeoutMillis, d.handshakeTimeout()),
                    millisOr(confirmStreamTimeoutMillis, d.confirmStreamTimeout()),
                    millisOr(reconnectBackoffMinMillis, d.reconnectBackoffMin()),
                    millisOr(reconnectBackoffMaxMillis, d.reconnectBackoffMax()),
                    or(maxBatchChanges, d.maxBatchChanges()),
                    or(maxBatchBytes, d.maxBatchBytes()),
                    or(lagHistoryCommits, d.lagHistoryCommits()),
                    millisOr(maxAssuranceWaitMillis, d.maxAssuranceWait()),
                    conflicts == null ? d.conflicts() : conflictPolicy(conflicts));
        }

        private static ConflictPolicy conflictPolicy(String name) {
            try {
                return ConflictPolicy.fromConfig(name);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
    }

    static final class ServingModel {
        @JsonProperty
        Integer rpcThreads;
        @JsonProperty
        Integer rpcQueueCalls;
        @JsonProperty
        Integer maxDigestStreams;
        @JsonProperty
        Long readerStallMillis;
        @JsonProperty
        Integer maxExchangeCalls;
        @JsonProperty
        Integer maxExchangeAnswerBytes;
        @JsonProperty
        Long exchangeStreamHeldBytes;
        @JsonProperty
        Long exchangeNodeHeldBytes;
        @JsonProperty
        Integer maxAnswerBytes;
        @JsonProperty
        Integer maxCallsPerConnection;
        @JsonProperty
        Integer replicationWindowBatches;
        @JsonProperty
        Long replicationWindowBytes;
        @JsonProperty
        Integer maxDirectGetIds;
        @JsonProperty
        Integer maxExchangeRequestBytes;

        ServingLimits toLimits() {
            ServingLimits d = ServingLimits.DEFAULT;
            return new ServingLimits(
                    or(rpcThreads, d.rpcThreads()),
                    or(rpcQueueCalls, d.rpcQueueCalls()),
                    or(maxDigestStreams, d.maxDigestStreams()),
                    or(readerStallMillis, d.readerStallMillis()),
                    or(maxExchangeCalls, d.maxExchangeCalls()),
                    or(maxExchangeAnswerBytes, d.maxExchangeAnswerBytes()),
                    or(exchangeStreamHeldBytes, d.exchangeStreamHeldBytes()),
                    or(exchangeNodeHeldBytes, d.exchangeNodeHeldBytes()),
                    or(maxAnswerBytes, d.maxAnswerBytes()),
                    or(maxCallsPerConnection, d.maxCallsPerConnection()),
                    or(replicationWindowBatches, d.replicationWindowBatches()),
                    or(replicationWindowBytes, d.replicationWindowBytes()),
                    or(maxDirectGetIds, d.maxDirectGetIds()),
                    or(maxExchangeRequestBytes, d.maxExchangeRequestBytes()));
        }
    }
}
