/**
 * How a {@link dev.corvid.node.storage.Query} is answered: {@link
 * dev.corvid.node.storage.query.QueryEngine} filters, sorts and pages the documents of one
 * collection, comparing JSON values exactly. The query and its result are part of the storage API
 * ({@code storage.Query}, {@code storage.QueryResult}); their evaluation is here, apart from the
 * index that supplies the documents, so that a reader looking for the query semantics finds them
 * in one place.
 */
package dev.corvid.node.storage.query;
