package dev.portico.control.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One endpoint of the API as its javadoc lists it, with a valid request for it: the request every
 * bad one in these tests is made from. Valid values name the fixture's apps ({@link ApiFixture}).
 *
 * @param params the query parameters of the valid request, in order
 * @param body what its body is
 */
record Endpoint(String method, String path, List<Param> params, Body body) {

    /** What a query parameter holds, which says how it can be wrong. */
    enum Kind { NAME, TEXT, CHOICE, FLAG }

    /** What the body of a request is. */
    enum Body { NONE, JSON, JAR }

    /** A query parameter and its value in the valid request. */
    record Param(String name, String value, Kind kind, boolean required) {}

    static final String AUTOSCALER_UPDATE = """
            {"targetConcurrency": 2.5, "minContainers": 0, "maxContainers": 3, "bufferContainers": 0,
             "scaleupWindow": 0, "scaledownWindow": 60}""";
    static final String TOKEN_REQUEST = """
            {"environments": ["main"]}""";
    static final String SECRET_REQUEST = """
            {"values": {"PASSWORD": "hunter2", "USER": "admin"}}""";

    /** Every endpoint of {@link ApiServer}'s javadoc. */
    static final List<Endpoint> ALL = List.of(
            new Endpoint("POST", "/v1/deploy", List.of(optional("env", "main", Kind.NAME),
                    required("app", "hello", Kind.NAME), optional("strategy", "rolling", Kind.CHOICE)), Body.JAR),
            new Endpoint("GET", "/v1/apps", List.of(), Body.NONE),
            new Endpoint("POST", "/v1/apps/stop", List.of(optional("env", "main", Kind.NAME),
                    required("app", "spare", Kind.NAME)), Body.NONE),
            new Endpoint("GET", "/v1/servers", List.of(optional("env", "main", Kind.NAME),
                    optional("app", "hello", Kind.NAME)), Body.NONE),
            new Endpoint("POST", "/v1/servers/autoscaler", List.of(optional("env", "main", Kind.NAME),
                    required("app", "hello", Kind.NAME), required("server", "web", Kind.NAME)), Body.JSON),
            new Endpoint("GET", "/v1/containers", List.of(optional("env", "main", Kind.NAME),
                    optional("app", "hello", Kind.NAME), optional("server", "web", Kind.NAME),
                    optional("all", "true", Kind.FLAG)), Body.NONE),
            new Endpoint("GET", "/v1/environments", List.of(), Body.NONE),
            new Endpoint("POST", "/v1/environments", List.of(required("name", "staging", Kind.NAME)), Body.NONE),
            new Endpoint("GET", "/v1/tokens", List.of(), Body.NONE),
            new Endpoint("POST", "/v1/tokens", List.of(), Body.JSON),
            new Endpoint("POST", "/v1/tokens/revoke", List.of(required("key", "pk-000000000000000000000000",
                    Kind.TEXT)), Body.NONE),
            new Endpoint("GET", "/v1/rbac", List.of(), Body.NONE),
            new Endpoint("POST", "/v1/rbac", List.of(required("enabled", "false", Kind.CHOICE)), Body.NONE),
            new Endpoint("GET", "/v1/secrets", List.of(), Body.NONE),
            new Endpoint("POST", "/v1/secrets", List.of(required("name", "db", Kind.NAME)), Body.JSON),
            new Endpoint("POST", "/v1/secrets/delete", List.of(required("name", "db", Kind.NAME)), Body.NONE),
            new Endpoint("GET", "/v1/volumes", List.of(), Body.NONE),
            new Endpoint("POST", "/v1/volumes", List.of(required("name", "data", Kind.NAME)), Body.NONE),
            new Endpoint("POST", "/v1/volumes/delete", List.of(required("name", "data", Kind.NAME)), Body.NONE),
            new Endpoint("GET", "/v1/logs", List.of(optional("env", "main", Kind.NAME),
                    required("app", "hello", Kind.NAME), required("server", "web", Kind.NAME),
                    optional("follow", "false", Kind.FLAG)), Body.NONE),
            new Endpoint("GET", "/metrics", List.of(), Body.NONE));

    /** The endpoints that need the admin credential: all but {@code /metrics}. */
    static List<Endpoint> authenticated() {
        return ALL.stream().filter(e -> !e.path().equals("/metrics")).toList();
    }

    /** The endpoints whose body is JSON. */
    static List<Endpoint> json() {
        return ALL.stream().filter(e -> e.body() == Body.JSON).toList();
    }

    /** The methods one path answers. */
    static List<String> methods(String path) {
        return ALL.stream().filter(e -> e.path().equals(path)).map(Endpoint::method).toList();
    }

    /** The valid request's body; null for none. */
    byte[] validBody() {
        return switch (body) {
            case NONE -> null;
            case JAR -> ServerJars.server("com.example.Web", "web");
            case JSON -> switch (path) {
                case "/v1/servers/autoscaler" -> AUTOSCALER_UPDATE.getBytes(StandardCharsets.UTF_8);
                case "/v1/tokens" -> TOKEN_REQUEST.getBytes(StandardCharsets.UTF_8);
                case "/v1/secrets" -> SECRET_REQUEST.getBytes(StandardCharsets.UTF_8);
                default -> throw new IllegalStateException("no JSON body known for " + path);
            };
        };
    }

    /** The valid request's query as name-value pairs, in order. */
    List<Map.Entry<String, String>> validQuery() {
        List<Map.Entry<String, String>> query = new ArrayList<>();
        params.forEach(p -> query.add(Map.entry(p.name(), p.value())));
        return query;
    }

    /** This endpoint's path with a query of the given pairs, each name and value form-encoded. */
    String target(List<Map.Entry<String, String>> query) {
        if (query.isEmpty()) {
            return path;
        }
        return path + "?" + query.stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    /** The valid request's target. */
    String validTarget() {
        return target(validQuery());
    }

    /** The valid query with one parameter's value replaced (encoded as usual). */
    String targetWith(String name, String value) {
        List<Map.Entry<String, String>> query = new ArrayList<>(validQuery());
        query.replaceAll(e -> e.getKey().equals(name) ? Map.entry(name, value) : e);
        return target(query);
    }

    @Override
    public String toString() {
        return method + " " + path;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Param required(String name, String value, Kind kind) {
        return new Param(name, value, kind, true);
    }

    private static Param optional(String name, String value, Kind kind) {
        return new Param(name, value, kind, false);
    }
}
