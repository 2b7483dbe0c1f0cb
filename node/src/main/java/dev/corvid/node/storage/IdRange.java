package dev.corvid.node.storage;

/** A durably reserved, inclusive range of numbers for client-side id generation. */
public record IdRange(long first, long last) {
    public IdRange {
        if (first < 1 || last < first) {
            throw new IllegalArgumentException("bad id range [" + first + ", " + last + "]");
        }
    }
}
