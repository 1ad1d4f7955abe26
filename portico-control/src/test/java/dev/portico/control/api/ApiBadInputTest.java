package dev.portico.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.control.api.Endpoint.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the API against malformed JSON, oversized and broken bodies, bad query
 * parameters, wrong methods, unknown paths and missing credentials. Each answer must be a 4xx whose
 * {@code {"error": "..."}} says what was wrong, never a 5xx, and the API must keep serving.
 *
 * <p>A few requests are refused by the JDK's HTTP server before any handler sees them (a request
 * line that is no URI, such as a broken percent escape; conflicting or non-numeric lengths): those
 * answers are the JDK's own 4xx with a short text body, which these tests check for status only.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ApiBadInputTest {

    @TempDir
    static Path home;

    private static ApiFixture fixture;
    private static Http http;

    private final Refusals refusals = new Refusals();

    @BeforeAll
    static void start() {
        fixture = ApiFixture.start(home);
        http = fixture.http();
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @AfterEach
    void apiStillServes() {
        fixture.assertHealthy();
    }

    @Test
    void everyEndpointButMetricsRequiresTheAdminCredential() {
        String token = ApiFixture.TOKEN;
        List<String> wrong = Arrays.asList(null, "", "Bearer", "Bearer ", "Bearer wrong", "bearer " + token,
                "Basic " + token, token, "Bearer " + token + "x", "Bearer " + token.substring(1),
                "Bearer  " + token, "Bearer " + token.toUpperCase());
        for (Endpoint endpoint : Endpoint.authenticated()) {
            for (String authorization : wrong) {
                refusals.expect(endpoint + " with Authorization: " + authorization,
                        http.send(endpoint.method(), endpoint.validTarget(), endpoint.validBody(), authorization),
                        401, "credential");
            }
        }
        refusals.assertNone();
    }

    @Test
    void wrongMethodsAre405AndSayWhichMethodsThePathTakes() {
        for (String path : Endpoint.ALL.stream().map(Endpoint::path).distinct().toList()) {
            List<String> allowed = Endpoint.methods(path);
            for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE")) {
                if (!allowed.contains(method)) {
                    Http.Answer answer = http.send(method, path, null);
                    refusals.expect(method + " " + path, answer, 405, allowed.toArray(String[]::new));
                }
            }
            assertThat(http.send("HEAD", path, null).status()).as("HEAD " + path).isEqualTo(405);
        }
        refusals.assertNone();
    }

    @Test
    void unknownPathsAre404() {
        for (String path : List.of("/", "/v1", "/v1/", "/v2/apps", "/v1/apps/", "/v1/app", "/V1/APPS",
                "/v1/apps/stop/now", "/v1//apps", "/v1/../v1/apps", "/v1/apps;x", "/metrics/", "/v1/%2e%2e/apps",
                "/v1/servers%00", "/v1/" + "x".repeat(5000))) {
            for (String method : List.of("GET", "POST")) {
                refusals.expect(method + " " + path, http.send(method, path, null), 404, "path");
            }
        }
        refusals.assertNone();
    }

    @Test
    void missingOrEmptyRequiredParametersAre400NamingThem() {
        for (Endpoint endpoint : Endpoint.authenticated()) {
            for (Endpoint.Param param : endpoint.params()) {
                if (!param.required()) {
                    continue;
                }
                List<Map.Entry<String, String>> without = new ArrayList<>(endpoint.validQuery());
                without.removeIf(e -> e.getKey().equals(param.name()));
                refusals.expect(endpoint + " without " + param.name(),
                        send(endpoint, endpoint.target(without)), 400, "'" + param.name() + "'");
                refusals.expect(endpoint + " with an empty " + param.name(),
                        send(endpoint, endpoint.targetWith(param.name(), "")), 400, "'" + param.name() + "'");
            }
        }
        refusals.assertNone();
    }

    @Test
    void duplicatedAndUnknownParametersAre400NamingThem() {
        for (Endpoint endpoint : Endpoint.authenticated()) {
            for (Endpoint.Param param : endpoint.params()) {
                List<Map.Entry<String, String>> twice = new ArrayList<>(endpoint.validQuery());
                twice.add(Map.entry(param.name(), param.value()));
                refusals.expect(endpoint + " with " + param.name() + " twice", send(endpoint, endpoint.target(twice)),
                        400, "'" + param.name() + "'");
            }
            for (String unknown : List.of("bogus", "App", "env ", "", "é")) {
                List<Map.Entry<String, String>> query = new ArrayList<>(endpoint.validQuery());
                query.add(Map.entry(unknown, "1"));
                refusals.expect(endpoint + " with parameter '" + unknown + "'", send(endpoint, endpoint.target(query)),
                        400, "'" + unknown + "'");
            }
        }
        refusals.assertNone();
    }

    @Test
    void invalidNamesAre400NamingTheParameter() {
        List<String> invalid = List.of("Hello", "HELLO", "a--b", "-a", "a-", "a_b", "a.b", "a b", "a/b", "..", "é",
                "a\u0000b", "\u202Eab", "a".repeat(64), "a".repeat(10_000));
        for (Endpoint endpoint : Endpoint.authenticated()) {
            for (Endpoint.Param param : endpoint.params()) {
                if (param.kind() != Kind.NAME) {
                    continue;
                }
                for (String value : invalid) {
                    refusals.expect(endpoint + " with " + param.name() + "=" + value,
                            send(endpoint, endpoint.targetWith(param.name(), value)), 400, "'" + param.name() + "'");
                }
                for (String encoded : List.of("%C3%28", "%FF", "%ED%A0%80", "%C0%AF")) {
                    String target = endpoint.targetWith(param.name(), "PLACEHOLDER").replace("PLACEHOLDER", encoded);
                    refusals.expect(endpoint + " with " + param.name() + "=" + encoded + " (not UTF-8)",
                            send(endpoint, target), 400, "'" + param.name() + "'");
                }
            }
        }
        refusals.assertNone();
    }

    @Test
    void overlongAndUnknownValuesOfOtherParametersAre400NamingThem() {
        for (Endpoint endpoint : Endpoint.authenticated()) {
            for (Endpoint.Param param : endpoint.params()) {
                List<String> wrong = switch (param.kind()) {
                    case NAME -> List.of();
                    case TEXT -> List.of("k".repeat(10_000));
                    case CHOICE -> List.of("fast", "yes", "1", "rolling ", "x".repeat(10_000));
                    case FLAG -> List.of("yes", "1", "TRUE", "maybe", "x".repeat(10_000));
                };
                for (String value : wrong) {
                    refusals.expect(endpoint + " with " + param.name() + "=" + value,
                            send(endpoint, endpoint.targetWith(param.name(), value)), 400, "'" + param.name() + "'");
                }
            }
        }
        refusals.assertNone();
    }

    /** The JDK refuses a request line that is no URI before the API sees it: a 400, and the API serves on. */
    @Test
    void brokenPercentEscapesAre400() {
        for (String target : List.of("/v1/servers?app=%zz", "/v1/servers?app=%", "/v1/servers?app=%4",
                "/v1/servers?%zz=1", "/v1/%zz", "/v1/servers?app=a\"b")) {
            Http.Answer answer = http.raw(Http.request("GET " + target + " HTTP/1.1",
                    List.of("Host: localhost", "Authorization: " + http.adminAuthorization()), new byte[0]), false);
            assertThat(answer.status()).as("GET " + target).isEqualTo(400);
        }
        Http.Answer raw = http.raw(Http.request("GET /v1/servers?app=h\u00e9llo HTTP/1.1",
                List.of("Host: localhost", "Authorization: " + http.adminAuthorization()), new byte[0]), false);
        refusals.expect("GET /v1/servers?app=héllo (raw UTF-8 in the request line)", raw, 400, "'app'");
        refusals.assertNone();
    }

    @Test
    void malformedJsonIs400() {
        List<byte[]> bodies = new ArrayList<>();
        for (String body : List.of("", " ", "\n", "{", "}", "{\"", "{\"a\"", "{\"a\":", "{\"a\": 1", "not json", "nul",
                "null", "[]", "[{}]", "\"text\"", "42", "-1.5", "true", "{} {}", "{}x", "{} null", "{'a': 1}",
                "{\"a\": 1,}", "{a: 1}", "{\"a\" 1}", "{\"a\": NaN}", "{\"a\": 01}", "{\"a\": 0x10}",
                "{\"a\": \"unterminated}", "{\"a\": \"tab\tinside\"}", "{\"a\": \"\\x\"}", "\u0000", "{}\u0000",
                "[".repeat(100_000), "{\"a\": " + "[".repeat(100_000), "{\"a\": " + "{\"b\": ".repeat(60_000),
                "[".repeat(50_000) + "]".repeat(50_000), "{\"a\": " + "9".repeat(5000) + "}",
                "{\"a\": 1e" + "9".repeat(2000) + "}")) {
            bodies.add(body.getBytes(StandardCharsets.UTF_8));
        }
        bodies.add(new byte[] {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0});
        bodies.add(new byte[] {'{', '"', (byte) 0xC3, 0x28, '"', ':', '1', '}'});
        bodies.add(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'});
        bodies.add(new byte[] {(byte) 0xC0, (byte) 0x80});
        for (Endpoint endpoint : Endpoint.json()) {
            for (byte[] body : bodies) {
                refusals.expect(endpoint + " with body " + Http.printable(body),
                        http.send(endpoint.method(), endpoint.validTarget(), body), 400, "body");
            }
        }
        refusals.assertNone();
    }

    @Test
    void autoscalerFieldsOfTheWrongTypeOrRangeAre400NamingTheField() {
        Endpoint endpoint = endpoint("POST", "/v1/servers/autoscaler");
        List<String> wrongForAny = List.of("\"three\"", "\"3\"", "\"\"", "true", "false", "[]", "[1]", "{}",
                "{\"a\": 1}", "1e400", "-1e400", "99999999999999999999", "-99999999999999999999", "\"NaN\"",
                "\"Infinity\"", "100001", "1" + "0".repeat(500));
        List<String> wrongForIntegers = List.of("1.5", "1.0", "1e3", "2147483648", "-2147483649");
        Map<String, List<String>> outOfRange = Map.of(
                "targetConcurrency", List.of("-1", "-0.5", "100000.5"),
                "minContainers", List.of("-1", "1001"),
                "maxContainers", List.of("0", "-2", "1001"),
                "bufferContainers", List.of("-1", "1001"),
                "scaleupWindow", List.of("-1", "3601"),
                "scaledownWindow", List.of("-1", "0", "86401"));
        for (String field : outOfRange.keySet()) {
            List<String> values = new ArrayList<>(wrongForAny);
            values.addAll(outOfRange.get(field));
            if (!field.equals("targetConcurrency")) {
                values.addAll(wrongForIntegers);
            }
            for (String value : values) {
                String body = "{\"" + field + "\": " + value + "}";
                refusals.expect(endpoint + " with " + body, json(endpoint, body), 400, field);
            }
        }
        refusals.expect(endpoint + " with min above max",
                json(endpoint, "{\"minContainers\": 5, \"maxContainers\": 2}"), 400, "maxContainers");
        refusals.expect(endpoint + " with a field twice",
                json(endpoint, "{\"minContainers\": 1, \"minContainers\": 2}"), 400, "minContainers");
        refusals.expect(endpoint + " with an unknown field", json(endpoint, "{\"minContainer\": 1}"), 400,
                "minContainer");
        refusals.expect(endpoint + " with a nested unknown field", json(endpoint, "{\"x\": {\"y\": [1, {\"z\": 2}]}}"),
                400, "'x'");
        refusals.assertNone();
    }

    @Test
    void tokenRequestsOfTheWrongShapeAre4xxNamingTheField() {
        Endpoint endpoint = endpoint("POST", "/v1/tokens");
        for (String value : List.of("\"main\"", "1", "true", "{}", "[1]", "[true]", "[null]", "[[]]", "[{}]",
                "[\"Main\"]", "[\"a--b\"]", "[\"\"]", "[\"" + "a".repeat(100) + "\"]", "[\"main\", 2]")) {
            String body = "{\"environments\": " + value + "}";
            refusals.expect(endpoint + " with " + body, json(endpoint, body), 400, "environment");
        }
        refusals.expect(endpoint + " with an unknown environment", json(endpoint, "{\"environments\": [\"nope\"]}"),
                404, "nope");
        refusals.expect(endpoint + " with an unknown field", json(endpoint, "{\"environment\": [\"main\"]}"), 400,
                "'environment'");
        refusals.assertNone();
    }

    @Test
    void secretRequestsOfTheWrongShapeAre400NamingTheField() {
        Endpoint endpoint = endpoint("POST", "/v1/secrets");
        for (String value : List.of("[]", "\"x\"", "1", "true", "{\"A\": 1}", "{\"A\": null}", "{\"A\": {}}",
                "{\"A\": []}", "{\"A\": true}", "{\"A\": 1.5}", "{\"A\": \"x\", \"A\": \"y\"}",
                "{\"A\": \"x\\u0000y\"}", "{\"A\": \"\\ud800\"}", "{\"A\": \"x\\udc00\\ud800\"}")) {
            String body = "{\"values\": " + value + "}";
            refusals.expect(endpoint + " with " + body, json(endpoint, body), 400, "values");
        }
        for (String value : List.of("{}", "{\"\": \"x\"}", "{\"1A\": \"x\"}", "{\"A-B\": \"x\"}", "{\"A B\": \"x\"}")) {
            String body = "{\"values\": " + value + "}";
            refusals.expect(endpoint + " with " + body, json(endpoint, body), 400, "key");
        }
        refusals.assertNone();
    }

    @Test
    void jsonBodiesOverOneMebibyteAre413() throws Exception {
        for (Endpoint endpoint : Endpoint.json()) {
            byte[] big = ("{\"values\": {\"A\": \"" + "x".repeat(JsonBodies.MAX_BYTES) + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            refusals.expect(endpoint + " with " + big.length + " bytes",
                    http.send(endpoint.method(), endpoint.validTarget(), big), 413, "larger");
            refusals.expect(endpoint + " declaring 2 MiB and sending 10 bytes",
                    http.raw(head(endpoint, "Content-Length: " + (2 * JsonBodies.MAX_BYTES), "{\"values\":".getBytes(
                            StandardCharsets.UTF_8)), false), 413, "larger");
            refusals.expect(endpoint + " with an endless chunked body", endlessChunkedBody(endpoint), 413, "larger");
        }
        refusals.assertNone();
    }

    /**
     * A body the API does not read (refused first, or sent where none is expected) costs neither the
     * answer nor the next request on the same client: the API reads past it, and says when it closes.
     * Without that, the kernel resets a connection closed on unread data, often under the answer.
     */
    @Test
    void unreadBodiesCostNeitherTheAnswerNorTheNextRequest() {
        byte[] large = "x".repeat(3 << 20).getBytes(StandardCharsets.UTF_8);
        List<Object[]> cases = List.of(
                new Object[] {"GET", "/v1/apps", http.adminAuthorization(), 200},
                new Object[] {"GET", "/v1/logs?app=hello&server=web", http.adminAuthorization(), 200},
                new Object[] {"GET", "/v1/apps", "Bearer wrong", 401},
                new Object[] {"PUT", "/v1/apps", http.adminAuthorization(), 405},
                new Object[] {"HEAD", "/v1/apps", http.adminAuthorization(), 405},
                new Object[] {"POST", "/v1/nope", http.adminAuthorization(), 404},
                new Object[] {"POST", "/v1/deploy?app=Bad", http.adminAuthorization(), 400},
                new Object[] {"POST", "/v1/secrets?name=db", http.adminAuthorization(), 413});
        for (int round = 0; round < 3; round++) {
            for (Object[] c : cases) {
                String request = c[0] + " " + c[1] + " with a 3 MiB body";
                Http.Answer answer = http.send((String) c[0], (String) c[1], large, (String) c[2]);
                assertThat(answer.status()).as(request).isEqualTo(c[3]);
                assertThat(http.get("/v1/apps").status()).as("the request after " + request).isEqualTo(200);
            }
        }
    }

    @Test
    void anArtifactDeclaredOverOneGibibyteIs413BeforeItIsSent() {
        Endpoint deploy = endpoint("POST", "/v1/deploy");
        refusals.expect("deploy declaring 2 GiB", http.raw(head(deploy, "Content-Length: " + (2L << 30), new byte[0]),
                false), 413, "larger");
        refusals.assertNone();
    }

    @Test
    void bodiesThatEndEarlyOrAreBadlyChunkedAre400() {
        for (Endpoint endpoint : Endpoint.ALL.stream().filter(e -> e.body() != Endpoint.Body.NONE).toList()) {
            refusals.expect(endpoint + " declaring 100 bytes and sending 9", http.raw(head(endpoint,
                    "Content-Length: 100", "{\"values\"".getBytes(StandardCharsets.UTF_8)), true), 400, "body");
            refusals.expect(endpoint + " with a broken chunk header", http.raw(head(endpoint,
                    "Transfer-Encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.UTF_8)), true),
                    400, "body");
            refusals.expect(endpoint + " with a chunk longer than it says", http.raw(head(endpoint,
                    "Transfer-Encoding: chunked", "2\r\nabcdef\r\n0\r\n\r\n".getBytes(StandardCharsets.UTF_8)), true),
                    400, "body");
        }
        Endpoint secrets = endpoint("POST", "/v1/secrets");
        refusals.expect(secrets + " declaring fewer bytes than it sends", http.raw(head(secrets,
                "Content-Length: 5", Endpoint.SECRET_REQUEST.getBytes(StandardCharsets.UTF_8)), true), 400, "JSON");
        for (String lengths : List.of("Content-Length: abc", "Content-Length: -1",
                "Content-Length: 99999999999999999999", "Content-Length: 5\r\nContent-Length: 6",
                "Content-Length: 5\r\nTransfer-Encoding: chunked", "Transfer-Encoding: gzip")) {
            Http.Answer answer = http.raw(head(secrets, lengths, "{}".getBytes(StandardCharsets.UTF_8)), true);
            assertThat(answer.status()).as(secrets + " with " + lengths).isBetween(400, 501);
        }
        refusals.assertNone();
    }

    /** A client that never sends the body it declared holds only its own request: the API serves others. */
    @Test
    void aStalledBodyDoesNotHoldUpOtherRequests() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (Endpoint endpoint : Endpoint.ALL.stream().filter(e -> e.body() != Endpoint.Body.NONE).toList()) {
                Socket socket = http.connect();
                stalled.add(socket);
                socket.getOutputStream().write(head(endpoint, "Content-Length: 1000", "{\"a".getBytes(
                        StandardCharsets.UTF_8)));
                socket.getOutputStream().flush();
            }
            for (int i = 0; i < 20; i++) {
                assertThat(http.get("/v1/apps").status()).isEqualTo(200);
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void artifactsThatAreNoValidJarAre4xx() {
        Endpoint deploy = endpoint("POST", "/v1/deploy");
        byte[] valid = ServerJars.server("com.example.Web", "web");
        byte[] noise = new byte[64 * 1024];
        new Random(7).nextBytes(noise);
        refusals.expect("deploy of an empty body", deploy(deploy, new byte[0]), 400, "jar");
        refusals.expect("deploy of text", deploy(deploy, "hello".getBytes(StandardCharsets.UTF_8)), 422, "not a jar");
        refusals.expect("deploy of random bytes", deploy(deploy, noise), 422, "not a jar");
        refusals.expect("deploy of half a jar", deploy(deploy, Arrays.copyOf(valid, valid.length / 2)), 422, "jar");
        refusals.expect("deploy of a jar without its last byte", deploy(deploy, Arrays.copyOf(valid, valid.length - 1)),
                422, "jar");
        refusals.expect("deploy of an empty jar", deploy(deploy, ServerJars.jar(Map.of())), 422, "no class");
        refusals.expect("deploy of a jar without @Server", deploy(deploy, ServerJars.plain("com.example.Plain")), 422,
                "no class");
        refusals.expect("deploy of a jar with a broken class", deploy(deploy, ServerJars.jar(Map.of(
                "com/example/Broken.class", "not a class".getBytes(StandardCharsets.UTF_8)))), 422,
                "not a valid class file");
        byte[] cut = Arrays.copyOf(ServerJars.serverClass("com.example.Cut", "cut"), 40);
        refusals.expect("deploy of a jar with a truncated class", deploy(deploy, ServerJars.jar(Map.of(
                "com/example/Cut.class", cut))), 422, "not a valid class file");
        byte[] damaged = new String(ServerJars.storedServer("com.example.Web", "web"), StandardCharsets.ISO_8859_1)
                .replace("Ldev/portico/Server;", "Ldev/portico/Server#").getBytes(StandardCharsets.ISO_8859_1);
        refusals.expect("deploy of a jar whose class is damaged past its header", deploy(deploy, damaged), 422,
                "com/example/Web.class");
        refusals.expect("deploy of a jar with a class that unpacks to 20 MiB", deploy(deploy, ServerJars.jar(Map.of(
                "com/example/Bomb.class", new byte[20 << 20]))), 422, "at most");
        Map<String, byte[]> many = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            many.put("com/example/Part" + i + ".class", ServerJars.largeClass("com.example.Part" + i, 12));
        }
        refusals.expect("deploy of a jar whose classes unpack to 72 MiB", deploy(deploy, ServerJars.jar(many)), 422,
                "at most");
        refusals.expect("deploy to an environment that does not exist",
                http.send("POST", "/v1/deploy?env=nope&app=hello", valid), 422, "does not exist");
        refusals.assertNone();
    }

    private static Endpoint endpoint(String method, String path) {
        return Endpoint.ALL.stream().filter(e -> e.method().equals(method) && e.path().equals(path)).findFirst()
                .orElseThrow();
    }

    /** The endpoint's valid body to {@code target}. */
    private static Http.Answer send(Endpoint endpoint, String target) {
        return http.send(endpoint.method(), target, endpoint.validBody());
    }

    private static Http.Answer json(Endpoint endpoint, String body) {
        return http.send(endpoint.method(), endpoint.validTarget(), body.getBytes(StandardCharsets.UTF_8));
    }

    private static Http.Answer deploy(Endpoint deploy, byte[] artifact) {
        return http.send(deploy.method(), deploy.validTarget(), artifact);
    }

    /** A raw request to the endpoint's valid target, with the admin credential, one more header and a body. */
    private static byte[] head(Endpoint endpoint, String header, byte[] body) {
        return Http.request(endpoint.method() + " " + endpoint.validTarget() + " HTTP/1.1",
                List.of("Host: localhost", "Authorization: " + http.adminAuthorization(), header), body);
    }

    /**
     * Streams an endless chunked body and reads the answer that comes meanwhile. The API must answer,
     * stop reading and close the connection, which breaks the stream long before 256 MiB.
     */
    private static Http.Answer endlessChunkedBody(Endpoint endpoint) throws Exception {
        try (Socket socket = http.connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(head(endpoint, "Transfer-Encoding: chunked", new byte[0]));
            long[] written = new long[1];
            Thread writer = Thread.ofVirtual().start(() -> {
                byte[] chunk = ("10000\r\n" + " ".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    while (written[0] < (256L << 20)) {
                        out.write(chunk);
                        written[0] += chunk.length;
                    }
                } catch (IOException e) {
                    // The API stopped reading and closed the connection: what this test wants.
                }
            });
            Http.Answer answer = Http.read(socket.getInputStream());
            writer.join(Http.TIMEOUT.toMillis());
            assertThat(writer.isAlive()).as("still sending: the API keeps reading the body").isFalse();
            assertThat(written[0]).as("bytes sent before the API closed the connection").isLessThan(64L << 20);
            return answer;
        }
    }
}
