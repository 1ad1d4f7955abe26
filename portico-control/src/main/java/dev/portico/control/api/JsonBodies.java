package dev.portico.control.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Reads the JSON bodies of API requests strictly, and says exactly what is wrong with a bad one:
 * where the JSON breaks, or which field has what instead of what it should.
 *
 * <p>Strict means: at most {@link #MAX_BYTES} of UTF-8; one JSON object and nothing after it; no
 * field twice; no unknown fields; no null inside an array or object; strings of well-formed Unicode;
 * and numbers, strings and booleans only where their own type is expected ({@code "3"} is no integer,
 * {@code 1.5} no integer, {@code 1} no string). Jackson's own limits (nesting depth, number length)
 * apply as well. Whether values are in range is the domain's business, checked where they are used.
 *
 * <p>The body is first parsed into a tree, which separates broken JSON from JSON of the wrong shape
 * and lets a message show the offending value ({@link JsonProblems}).
 */
final class JsonBodies {

    static final int MAX_BYTES = 1 << 20;

    private final ObjectMapper strict;

    /** A strict copy of {@code json}; {@code json} itself is left as it is. */
    JsonBodies(ObjectMapper json) {
        strict = json.copy()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
        strict.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Float)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    /**
     * Reads the request's body as a {@code type}.
     *
     * @throws ApiException 413 for a body over {@link #MAX_BYTES}, 400 for anything else wrong with it
     */
    <T> T read(HttpExchange exchange, Class<T> type) {
        JsonNode tree = parse(utf8(RequestBodies.read(exchange, MAX_BYTES, "a JSON body")));
        if (tree.isMissingNode()) {
            throw new ApiException(400, "the request body is empty; it must be a JSON object");
        }
        if (!tree.isObject()) {
            throw new ApiException(400, "the request body must be a JSON object, not "
                    + JsonProblems.describe(tree));
        }
        String broken = notUnicode(tree, "");
        if (broken != null) {
            throw new ApiException(400, "field " + Quote.of(broken) + " of the request body is not valid Unicode"
                    + " (a lone surrogate such as \\ud800)");
        }
        try {
            return strict.readerFor(type).readValue(tree);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, JsonProblems.ofBinding(e, tree));
        } catch (IOException e) {
            throw new ApiException(400, "the request body does not fit: " + e.getMessage());
        }
    }

    /** JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); anything else is refused, not guessed. */
    private static String utf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(body.length);
        if (decoder.decode(in, out, true).isError() || decoder.flush(out).isError()) {
            throw new ApiException(400, "the request body is not UTF-8: byte " + in.position()
                    + " starts no UTF-8 character");
        }
        return out.flip().toString();
    }

    private JsonNode parse(String body) {
        try {
            return strict.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, JsonProblems.ofParsing(e));
        }
    }

    /**
     * The path of the first string or field name that is no well-formed Unicode (a JSON escape can
     * stand for half of a surrogate pair, which no UTF-8 text holds); null when there is none.
     */
    private static String notUnicode(JsonNode node, String path) {
        if (node.isTextual()) {
            return StandardCharsets.UTF_8.newEncoder().canEncode(node.textValue()) ? null : path;
        }
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            String broken = notUnicode(node.get(i), path + "[" + i + "]");
            if (broken != null) {
                return broken;
            }
        }
        Set<Map.Entry<String, JsonNode>> fields = node.isObject() ? node.properties() : Set.of();
        for (Map.Entry<String, JsonNode> field : fields) {
            String name = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            String broken = StandardCharsets.UTF_8.newEncoder().canEncode(field.getKey())
                    ? notUnicode(field.getValue(), name) : name;
            if (broken != null) {
                return broken;
            }
        }
        return null;
    }
}
