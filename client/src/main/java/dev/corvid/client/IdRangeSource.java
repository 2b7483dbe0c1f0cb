package dev.corvid.client;

/** Reserves number ranges durably on the master (the {@code ReserveIds} RPC). */
@FunctionalInterface
interface IdRangeSource {

    /** Reserves {@code count} numbers for {@code collection}; they are never handed out again. */
    IdRange reserve(String collection, long count);
}
