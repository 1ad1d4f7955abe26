package dev.portico.control.api;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Turns the valid request of an endpoint into a random, mostly invalid one, reproducibly from its
 * {@link Random}: one to three mutations of the query (dropped, repeated, unknown, badly encoded,
 * overlong or odd parameters), the body (JSON fields of other types, random JSON, damaged bytes, a
 * damaged jar, an oversized body), and now and then the method, the path or the credential.
 */
final class RequestMutator {

    /** A request to send: its target is raw (already encoded), and may be no valid URI at all. */
    record Request(String method, String target, byte[] body, String authorization) {

        /** Whether the JDK's client can send it; if not, it goes over a raw socket. */
        boolean sendable() {
            try {
                URI.create("http://localhost" + target);
            } catch (IllegalArgumentException e) {
                return false;
            }
            return target.chars().allMatch(c -> c > ' ' && c < 0x7F)
                    && (authorization == null || authorization.chars().allMatch(c -> c >= ' ' && c < 0x7F));
        }

        @Override
        public String toString() {
            String shownBody = body == null ? "" : " body " + Http.printable(body);
            return method + " " + cut(target) + shownBody
                    + (authorization == null ? " (no credential)"
                    : authorization.equals("Bearer " + ApiFixture.TOKEN) ? ""
                    : " (Authorization: " + cut(authorization) + ")");
        }
    }

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    private static final List<String> VALUES = List.of("main", "hello", "web", "spare", "db", "data", "staging",
            "x", "Hello", "HELLO", "a--b", "-a", "a-", "a_b", "a.b", "..", "é", "", " ", "true", "false", "TRUE", "1",
            "yes", "rolling", "recreate", "ROLLING", "fast", "pk-000000000000000000000000", "null", "{}", "[]",
            "a".repeat(63), "a".repeat(64), "a".repeat(300), "\u0000", "\u202Eab", "日本", "💥");
    private static final List<String> RAW_ESCAPES = List.of("%zz", "%", "%4", "%C3%28", "%FF", "%00", "%ED%A0%80",
            "%C0%AF", "%25", "%2B", "+", "%20", "%26", "%3D", "a%", "%%", "%u0041");
    private static final List<String> NUMBERS = List.of("0", "1", "2", "3", "-1", "-0", "1001", "3601", "86401",
            "100001", "1.5", "1.0", "-0.5", "1e3", "1e400", "-1e400", "1E-400", "99999999999999999999",
            "-99999999999999999999", "2147483647", "2147483648", "-2147483649", "0.1", "0e0", "1" + "0".repeat(400));
    private static final List<String> STRINGS = List.of("\"\"", "\"main\"", "\"Main\"", "\"three\"", "\"3\"",
            "\"NaN\"", "\"Infinity\"", "\"\\u0000\"", "\"\\ud800\"", "\"a--b\"", "\"nope\"", "\"hunter2\"",
            "\"\\\"\"", "\"\\\\\"", "\"日本\"");
    private static final List<String> KEYS = List.of("A", "PASSWORD", "USER", "_X", "1A", "", "a-b", "A B",
            "minContainers", "maxContainers", "targetConcurrency", "environments", "values", "bogus", "MinContainers",
            "__proto__", "日本");
    private static final List<String> JUNK_BYTES = List.of("\"", "{", "}", "[", "]", ",", ":", "\\", "\u0000", "e",
            "-", ".", "null", "/*", "//");

    private final Random random;

    RequestMutator(Random random) {
        this.random = random;
    }

    /** A random mutation of {@code endpoint}'s valid request. */
    Request mutate(Endpoint endpoint, String authorization) {
        String method = endpoint.method();
        String path = endpoint.path();
        List<String[]> query = new ArrayList<>();
        endpoint.validQuery().forEach(e -> query.add(new String[] {encode(e.getKey()), encode(e.getValue())}));
        byte[] body = endpoint.validBody();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            int dice = random.nextInt(100);
            if (dice < 45 && body != null) {
                body = endpoint.body() == Endpoint.Body.JAR ? mutateJar(body) : mutateJson(endpoint, body);
            } else if (dice < 85) {
                mutateQuery(query);
            } else if (dice < 90) {
                method = pick(METHODS);
            } else if (dice < 94) {
                path = mutatePath(path);
            } else if (dice < 97) {
                authorization = mutateAuthorization(authorization);
            } else if (body != null || random.nextBoolean()) {
                body = oversized();
            }
        }
        return new Request(method, path + queryText(path, query), body, authorization);
    }

    private void mutateQuery(List<String[]> query) {
        int index = query.isEmpty() ? -1 : random.nextInt(query.size());
        switch (random.nextInt(9)) {
            case 0 -> {
                if (index >= 0) {
                    query.remove(index);
                }
            }
            case 1 -> {
                if (index >= 0) {
                    query.add(query.get(index).clone());
                }
            }
            case 2 -> query.add(new String[] {encode(pick(List.of("bogus", "App", "ENV", "env ", "", "é", "follow",
                    "all", "name", "key", "strategy"))), encode(pick(VALUES))});
            case 3 -> {
                if (index >= 0) {
                    query.get(index)[1] = encode(pick(VALUES));
                }
            }
            case 4 -> {
                if (index >= 0) {
                    query.get(index)[1] = pick(RAW_ESCAPES);
                }
            }
            case 5 -> {
                if (index >= 0) {
                    query.get(index)[random.nextBoolean() ? 0 : 1] += pick(RAW_ESCAPES);
                }
            }
            case 6 -> {
                if (index >= 0) {
                    query.get(index)[1] = "a".repeat(1 + random.nextInt(3000));
                }
            }
            case 7 -> {
                if (index >= 0) {
                    query.get(index)[0] = query.get(index)[0].toUpperCase(Locale.ROOT);
                }
            }
            default -> {
                if (index >= 0) {
                    query.get(index)[1] = encode(randomText(1 + random.nextInt(20)));
                }
            }
        }
    }

    /** Replaces, adds, drops or renames top-level fields, or the whole body; then perhaps damages its bytes. */
    private byte[] mutateJson(Endpoint endpoint, byte[] valid) {
        List<String[]> fields = new ArrayList<>();
        switch (endpoint.path()) {
            case "/v1/servers/autoscaler" -> {
                for (String name : List.of("targetConcurrency", "minContainers", "maxContainers", "bufferContainers",
                        "scaleupWindow", "scaledownWindow")) {
                    if (random.nextBoolean()) {
                        fields.add(new String[] {name, pick(NUMBERS)});
                    }
                }
            }
            case "/v1/tokens" -> fields.add(new String[] {"environments", "[\"main\"]"});
            default -> fields.add(new String[] {"values", "{\"PASSWORD\": \"hunter2\"}"});
        }
        String text;
        switch (random.nextInt(6)) {
            case 0, 1 -> {
                if (!fields.isEmpty()) {
                    fields.get(random.nextInt(fields.size()))[1] = randomJson(3);
                }
                text = object(fields);
            }
            case 2 -> {
                fields.add(new String[] {pick(KEYS), randomJson(2)});
                text = object(fields);
            }
            case 3 -> {
                if (!fields.isEmpty()) {
                    String[] field = fields.get(random.nextInt(fields.size()));
                    field[0] = random.nextBoolean() ? field[0].toLowerCase(Locale.ROOT) : pick(KEYS);
                }
                text = object(fields);
            }
            case 4 -> text = randomJson(4);
            default -> text = new String(valid, StandardCharsets.UTF_8);
        }
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        return random.nextInt(3) == 0 ? damage(body) : body;
    }

    private byte[] mutateJar(byte[] valid) {
        byte[] jar = random.nextBoolean() ? valid : ServerJars.storedServer("com.example.Web", "web");
        return switch (random.nextInt(4)) {
            case 0 -> Arrays.copyOf(jar, random.nextInt(jar.length));
            case 1 -> randomBytes(random.nextInt(4096));
            default -> damage(jar);
        };
    }

    /** Flips, inserts, drops, cuts or repeats bytes. */
    private byte[] damage(byte[] bytes) {
        byte[] damaged = bytes.clone();
        for (int i = 0, n = 1 + random.nextInt(4); i < n && damaged.length > 0; i++) {
            int at = random.nextInt(damaged.length);
            damaged = switch (random.nextInt(6)) {
                case 0 -> {
                    damaged[at] ^= (byte) (1 << random.nextInt(8));
                    yield damaged;
                }
                case 1 -> splice(damaged, at, at, new byte[] {(byte) random.nextInt(256)});
                case 2 -> splice(damaged, at, Math.min(damaged.length, at + 1 + random.nextInt(8)), new byte[0]);
                case 3 -> Arrays.copyOf(damaged, at);
                case 4 -> splice(damaged, at, at, pick(JUNK_BYTES).getBytes(StandardCharsets.UTF_8));
                default -> splice(damaged, at, at, Arrays.copyOfRange(damaged, at,
                        Math.min(damaged.length, at + 1 + random.nextInt(64))));
            };
        }
        return damaged;
    }

    private String mutatePath(String path) {
        return switch (random.nextInt(5)) {
            case 0 -> path + "/";
            case 1 -> path.toUpperCase(Locale.ROOT);
            case 2 -> path + "/" + randomText(3);
            case 3 -> path.substring(0, path.length() - 1);
            default -> "/v1/" + randomText(6);
        };
    }

    private String mutateAuthorization(String authorization) {
        if (authorization == null) {
            return "Bearer " + randomText(12);
        }
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> authorization + "x";
            case 2 -> authorization.toLowerCase(Locale.ROOT);
            default -> "Bearer " + randomText(12);
        };
    }

    /** Just over the JSON limit, sometimes as valid JSON. */
    private byte[] oversized() {
        String filler = "x".repeat(JsonBodies.MAX_BYTES + 1);
        return (random.nextBoolean() ? "{\"values\": {\"A\": \"" + filler + "\"}}" : filler)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A random JSON text, nested at most {@code depth} deep, or an unbalanced deep nest. */
    private String randomJson(int depth) {
        int dice = random.nextInt(depth > 0 ? 10 : 6);
        return switch (dice) {
            case 0, 1 -> pick(NUMBERS);
            case 2, 3 -> pick(STRINGS);
            case 4 -> pick(List.of("true", "false", "null"));
            case 5 -> "\"" + "s".repeat(random.nextInt(5000)) + "\"";
            case 6 -> {
                int n = random.nextInt(5);
                List<String> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(randomJson(depth - 1));
                }
                yield "[" + String.join(", ", items) + "]";
            }
            case 7, 8 -> {
                List<String[]> fields = new ArrayList<>();
                for (int i = 0, n = random.nextInt(4); i < n; i++) {
                    fields.add(new String[] {pick(KEYS), randomJson(depth - 1)});
                }
                yield object(fields);
            }
            default -> {
                int n = 1 + random.nextInt(5000);
                yield "[".repeat(n) + (random.nextBoolean() ? "]".repeat(n) : "");
            }
        };
    }

    private static String object(List<String[]> fields) {
        return fields.stream().map(f -> "\"" + f[0] + "\": " + f[1]).collect(Collectors.joining(", ", "{", "}"));
    }

    /**
     * The query as text. A valid {@code GET /v1/logs?follow=true} streams until the client goes away,
     * which is no answer to wait for, so the fuzzer never follows.
     */
    private static String queryText(String path, List<String[]> query) {
        if (path.equals("/v1/logs")) {
            query.removeIf(p -> p[0].equals("follow") && p[1].equals("true"));
        }
        return query.isEmpty() ? "" : "?" + query.stream().map(p -> p[0] + "=" + p[1]).collect(Collectors.joining("&"));
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder();
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                + "-_.~!$'()*,;:@/?=&+ \"<>\\^`{|}é日\u0000";
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    private static byte[] splice(byte[] bytes, int from, int to, byte[] insert) {
        byte[] spliced = new byte[bytes.length - (to - from) + insert.length];
        System.arraycopy(bytes, 0, spliced, 0, from);
        System.arraycopy(insert, 0, spliced, from, insert.length);
        System.arraycopy(bytes, to, spliced, from + insert.length, bytes.length - to);
        return spliced;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String cut(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "…";
    }
}
