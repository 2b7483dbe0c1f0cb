package dev.corvid.client;

/**
 * The rules for document ids, checked before anything is sent (the node checks the same):
 * 1 to {@value #MAX_ID_LENGTH} characters, no control characters, no unpaired surrogates, no
 * leading or trailing whitespace. Ids are case-sensitive.
 */
final class DocumentIds {

    static final int MAX_ID_LENGTH = 512;

    private DocumentIds() {
    }

    /**
     * @return {@code id}, unchanged
     * @throws BadRequestException naming what is wrong with the id
     */
    static String check(String id) {
        if (id == null || id.isEmpty()) {
            throw new BadRequestException("document id must not be " + (id == null ? "null" : "empty"));
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new BadRequestException("document id is " + id.length() + " characters long; the limit is "
                    + MAX_ID_LENGTH + " (starts with '" + id.substring(0, 40) + "')");
        }
        if (Character.isWhitespace(id.charAt(0)) || Character.isWhitespace(id.charAt(id.length() - 1))) {
            throw new BadRequestException("document id '" + id + "' must not start or end with whitespace");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c)) {
                throw new BadRequestException("document id must not contain control characters (found U+"
                        + String.format("%04X", (int) c) + " at position " + i + ")");
            }
            boolean unpairedHigh = Character.isHighSurrogate(c)
                    && (i + 1 == id.length() || !Character.isLowSurrogate(id.charAt(i + 1)));
            boolean unpairedLow = Character.isLowSurrogate(c)
                    && (i == 0 || !Character.isHighSurrogate(id.charAt(i - 1)));
            if (unpairedHigh || unpairedLow) {
                throw new BadRequestException("document id contains an unpaired surrogate at position " + i);
            }
        }
        return id;
    }
}
