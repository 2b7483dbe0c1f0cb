package dev.corvid.client;

/**
 * A range of numbers reserved on the master for id generation, both ends inclusive.
 *
 * @param first the first number of the range
 * @param last  the last number, {@code >= first}
 */
record IdRange(long first, long last) {

    IdRange {
        if (first < 1 || last < first) {
            throw new CorvidException("the node reserved an invalid id range [" + first + ", " + last + "]");
        }
    }
}
