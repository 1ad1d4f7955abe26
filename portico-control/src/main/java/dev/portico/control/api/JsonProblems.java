package dev.portico.control.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Messages for JSON bodies that Jackson refused, in the user's terms: where the JSON breaks, or which
 * field holds what instead of what it should, without Jackson's hints for programmers.
 */
final class JsonProblems {

    private JsonProblems() {}

    /** A body that is no single JSON value, or one beyond the reader's limits (nesting, number length). */
    static String ofParsing(JsonProcessingException e) {
        return switch (e) {
            case StreamConstraintsException limit -> "the request body goes beyond a limit of the JSON reader: "
                    + clean(limit.getOriginalMessage());
            case MismatchedInputException trailing -> "the request body goes on after its JSON value"
                    + at(trailing.getLocation());
            default -> "the request body is not valid JSON" + at(e.getLocation()) + within(e) + ": "
                    + clean(e.getOriginalMessage());
        };
    }

    /** Where a parse error is, such as {@code " near field 'values.KEY'"}; empty at the top level. */
    private static String within(JsonProcessingException e) {
        if (!(e.getProcessor() instanceof JsonParser parser)) {
            return "";
        }
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext context = parser.getParsingContext(); context != null && !context.inRoot();
                context = context.getParent()) {
            if (context.inArray()) {
                parts.push("[" + context.getCurrentIndex() + "]");
            } else if (context.getCurrentName() != null) {
                parts.push("." + context.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.isEmpty() ? "" : " near field " + Quote.of(path.startsWith(".") ? path.substring(1) : path);
    }

    /** A JSON body that does not fit its type: names the field, what it holds and what it should. */
    static String ofBinding(JsonProcessingException e, JsonNode tree) {
        if (!(e instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()) {
            return "the request body does not fit: " + clean(e.getOriginalMessage());
        }
        List<JsonMappingException.Reference> path = mapping.getPath();
        String field = "field " + Quote.of(name(path));
        JsonNode value = tree.at(pointer(path));
        return switch (e) {
            case UnrecognizedPropertyException unknown -> "unknown " + field + " in the request body; it takes "
                    + known(unknown.getKnownPropertyIds());
            case InvalidNullException ignored -> field + " must not be null";
            case MismatchedInputException mismatch when mismatch.getTargetType() != null ->
                    field + " must be " + expected(mismatch.getTargetType()) + ", not " + describe(value);
            default -> e.getCause() instanceof InputCoercionException coercion && coercion.getTargetType() != null
                    ? field + " must be " + expected(coercion.getTargetType()) + ", not " + describe(value)
                    : field + ": " + clean(e.getOriginalMessage());
        };
    }

    /** {@code values.KEY}, {@code environments[0]}. */
    private static String name(List<JsonMappingException.Reference> path) {
        StringBuilder name = new StringBuilder();
        for (JsonMappingException.Reference reference : path) {
            if (reference.getFieldName() != null) {
                name.append(name.isEmpty() ? "" : ".").append(reference.getFieldName());
            } else {
                name.append('[').append(reference.getIndex()).append(']');
            }
        }
        return name.toString();
    }

    private static JsonPointer pointer(List<JsonMappingException.Reference> path) {
        JsonPointer pointer = JsonPointer.empty();
        for (JsonMappingException.Reference reference : path) {
            pointer = reference.getFieldName() != null ? pointer.appendProperty(reference.getFieldName())
                    : pointer.appendIndex(reference.getIndex());
        }
        return pointer;
    }

    private static String known(Collection<Object> fields) {
        return fields == null || fields.isEmpty() ? "no fields"
                : String.join(", ", new TreeSet<>(fields.stream().map(String::valueOf).toList()));
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class) {
            return "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "a " + type.getSimpleName();
    }

    /** A value as a message shows it: {@code the string 'x'}, {@code the number 1.5}, {@code an array}. */
    static String describe(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "the string " + Quote.of(value.asText());
            case NUMBER -> "the number " + Quote.cut(value.asText());
            case BOOLEAN -> value.asText();
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case BINARY, MISSING -> "nothing";
        };
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** Jackson's message without its hints for programmers (source descriptions, feature names). */
    private static String clean(String message) {
        return message
                .replaceAll("\\(start marker at \\[Source: [^]]*line: (\\d+), column: (\\d+)]\\)",
                        "(opened at line $1, column $2)")
                .replaceAll("\\s*\\[Source: [^]]*]", "")
                .replaceAll(", from `[^`]*`", "")
                .replaceAll(": enable `[^`]*` to allow", "");
    }
}
