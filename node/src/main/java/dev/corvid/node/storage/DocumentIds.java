package dev.corvid.node.storage;

/**
 * The rules for document ids and collection names, checked before anything is written.
 *
 * <p>An id is 1 to {@value #MAX_ID_LENGTH} characters, with no control characters, no unpaired
 * surrogates and no leading or trailing whitespace. Ids are case-sensitive. A collection name
 * follows the same rules with at most {@value #MAX_COLLECTION_LENGTH} characters.
 */
public final class DocumentIds {

    public static final int MAX_ID_LENGTH = 512;
    public static final int MAX_COLLECTION_LENGTH = 128;

    private DocumentIds() {
    }

    /** @throws BadRequestException naming what is wrong with the id */
    public static String checkId(String id) {
        return check("document id", id, MAX_ID_LENGTH);
    }

    /** @throws BadRequestException naming what is wrong with the collection name */
    public static String checkCollection(String collection) {
        return check("collection name", collection, MAX_COLLECTION_LENGTH);
    }

    private static String check(String what, String value, int maxLength) {
        if (value == null || value.isEmpty()) {
            throw new BadRequestException(what + " must not be empty");
        }
        if (value.length() > maxLength) {
            throw new BadRequestException(what + " is " + value.length() + " characters long; the limit is "
                    + maxLength + " (starts with '" + value.substring(0, 40) + "')");
        }
        if (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))) {
            throw new BadRequestException(what + " '" + value + "' must not start or end with whitespace");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw new BadRequestException(what + " must not contain control characters (found U+"
                        + String.format("%04X", (int) c) + " at position " + i + ")");
            }
            if (Character.isHighSurrogate(c) && (i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value.charAt(i - 1)))) {
                throw new BadRequestException(what + " contains an unpaired surrogate at position " + i);
            }
        }
        return value;
    }
}
