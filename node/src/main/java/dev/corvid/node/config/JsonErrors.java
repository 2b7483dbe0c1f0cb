package dev.corvid.node.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A config file's JSON errors in the config's own words: the field path ({@code nodes[0].port}),
 * what was wrong with it and where in the file, never the Java classes that read it.
 */
final class JsonErrors {

    private JsonErrors() {
    }

    /** e.g. {@code nodes[0].port: "abc" is not a whole number (line 3, column 52)}. */
    static String describe(JsonProcessingException e) {
        String where = location(e.getLocation());
        if (!(e instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()
                || e.getCause() instanceof JsonParseException) {
            return "not valid JSON: " + withoutSource(e.getOriginalMessage()) + where;
        }
        String path = path(mapping.getPath());
        if (e instanceof UnrecognizedPropertyException unknown) {
            return path + ": unknown field; the fields there are " + known(unknown.getKnownPropertyIds()) + where;
        }
        if (e instanceof InvalidFormatException format) {
            return path + ": " + quoted(format.getValue()) + " is not " + kind(format.getTargetType()) + where;
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return path + ": expected " + kind(mismatch.getTargetType()) + where;
        }
        return path + ": " + e.getOriginalMessage() + where;
    }

    /** The parser's message without the parenthesized "start marker at [Source: ...]" it may add. */
    private static String withoutSource(String message) {
        int source = message.indexOf(" (start marker at");
        return source < 0 ? message : message.substring(0, source);
    }

    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : references) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String known(Collection<Object> ids) {
        Set<String> names = new TreeSet<>();
        ids.forEach(id -> names.add(String.valueOf(id)));
        return names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
    }

    private static String kind(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(c -> "\"" + c + "\"")
                    .collect(Collectors.joining(", "));
        }
        return "an object";
    }

    private static String quoted(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String location(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
