package dev.corvid.node.studio;

import java.util.Map;

/** An answer other than 200: its HTTP status and JSON body ({@code error} and any more fields). */
final class StudioException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final transient Map<String, Object> fields;

    StudioException(int status, String error) {
        this(status, error, Map.of());
    }

    StudioException(int status, String error, Map<String, Object> fields) {
        super(error, null, false, false);
        this.status = status;
        this.fields = fields;
    }
}
