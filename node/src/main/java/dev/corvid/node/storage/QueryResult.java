package dev.corvid.node.storage;

import java.util.List;

/**
 * @param documents    the page of matching documents
 * @param totalResults how many documents matched before paging
 */
public record QueryResult(List<StoredDocument> documents, long totalResults) {
}
