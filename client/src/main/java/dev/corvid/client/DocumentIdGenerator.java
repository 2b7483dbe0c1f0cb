package dev.corvid.client;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Generates document ids {@code <collection>/<n>} (lower-cased collection, e.g. {@code people/1})
 * from one {@link HiLoIdGenerator} per collection. One per store; thread-safe.
 */
final class DocumentIdGenerator {

    private final IdRangeSource source;
    private final Map<String, HiLoIdGenerator> generators = new ConcurrentHashMap<>();

    DocumentIdGenerator(IdRangeSource source) {
        this.source = source;
    }

    /** A fresh id in {@code collection}, never handed out before by any client. */
    String generate(String collection) {
        long n = generators.computeIfAbsent(collection,
                c -> new HiLoIdGenerator(c, source, System::nanoTime)).next();
        return collection.toLowerCase(Locale.ROOT) + "/" + n;
    }
}
