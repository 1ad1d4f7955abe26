package dev.portico.control.api;

import dev.portico.api.Names;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The query parameters of one API request, read strictly: every parameter must be one the endpoint
 * takes, appear once, be valid percent-encoded UTF-8 and not be absurdly long. A typo such as
 * {@code ?ap=shop} is refused rather than silently ignored, since ignoring it would widen a listing or
 * act on the default. Names are checked with {@link Names}, the same rules the deployer applies.
 */
final class Query {

    /** Longer than any name, key or choice the API takes. */
    static final int MAX_VALUE_LENGTH = 256;

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Decodes a raw query (as {@link java.net.URI#getRawQuery()} gives it; null for none).
     *
     * @param endpoint the method and path, for messages
     * @param accepted the parameters this endpoint takes
     * @throws ApiException 400 naming the first parameter that is unknown, repeated, badly encoded or too long
     */
    static Query parse(String rawQuery, String endpoint, List<String> accepted) {
        Map<String, String> values = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return new Query(values);
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "a query parameter name");
            if (!accepted.contains(name)) {
                throw new ApiException(400, "unknown query parameter " + Quote.of(name) + " for " + endpoint + "; "
                        + (accepted.isEmpty() ? "it takes none" : "it takes " + String.join(", ", accepted)));
            }
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "query parameter '" + name + "'");
            if (value.length() > MAX_VALUE_LENGTH) {
                throw new ApiException(400, "query parameter '" + name + "' is " + value.length()
                        + " characters long; at most " + MAX_VALUE_LENGTH + " are allowed");
            }
            if (values.putIfAbsent(name, value) != null) {
                throw new ApiException(400, "query parameter '" + name + "' is given more than once");
            }
        }
        return new Query(values);
    }

    /** The environment: {@code env}, {@code main} when absent. */
    String environment() {
        return values.containsKey("env") ? name("env", "environment") : "main";
    }

    /** A required name, such as {@code app}, valid by {@link Names#problem}. */
    String name(String parameter, String what) {
        String value = required(parameter);
        Names.problem(what, value).ifPresent(problem -> {
            throw new ApiException(400, "query parameter '" + parameter + "': " + problem);
        });
        return value;
    }

    /** An optional name: null when absent, else as {@link #name}. */
    String optionalName(String parameter, String what) {
        return values.containsKey(parameter) ? name(parameter, what) : null;
    }

    /** A required parameter's value, not empty. */
    String required(String parameter) {
        String value = values.get(parameter);
        if (value == null) {
            throw new ApiException(400, "query parameter '" + parameter + "' is required");
        }
        if (value.isEmpty()) {
            throw new ApiException(400, "query parameter '" + parameter + "' must not be empty");
        }
        return value;
    }

    /** A boolean: {@code true} or {@code false}, false when absent. */
    boolean flag(String parameter) {
        return values.containsKey(parameter) && requiredFlag(parameter);
    }

    /** A required boolean: {@code true} or {@code false}. */
    boolean requiredFlag(String parameter) {
        return switch (required(parameter)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ApiException(400, "query parameter '" + parameter + "' must be true or false, not "
                    + Quote.of(values.get(parameter)));
        };
    }

    /** One of {@code choices} (any case), {@code fallback} when absent. */
    String choice(String parameter, String fallback, List<String> choices) {
        if (!values.containsKey(parameter)) {
            return fallback;
        }
        String value = values.get(parameter).toLowerCase(Locale.ROOT);
        if (!choices.contains(value)) {
            throw new ApiException(400, "query parameter '" + parameter + "' must be " + String.join(" or ", choices)
                    + ", not " + Quote.of(values.get(parameter)));
        }
        return value;
    }

    /**
     * Form-decodes one name or value: {@code +} is a space, {@code %XX} a byte, and the bytes must be
     * UTF-8. Other characters stand for themselves; the JDK's server reads the request line one
     * character per byte, so each is a byte of the original request.
     */
    private static String decode(String raw, String what) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()
                        || !HexFormat.isHexDigit(raw.charAt(i + 1)) || !HexFormat.isHexDigit(raw.charAt(i + 2))) {
                    throw new ApiException(400, what + " has a '%' that is not followed by two hex digits");
                }
                bytes.write(HexFormat.fromHexDigits(raw, i + 1, i + 3));
                i += 2;
            } else if (c == '+') {
                bytes.write(' ');
            } else if (c <= 0xFF) {
                bytes.write(c);
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(400, what + " is not valid UTF-8 once percent-decoded");
        }
    }
}
