package dev.portico.proxy.testing.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request as editable parts, so that mutations can work on its structure before its bytes. Text is
 * ISO-8859-1 (one char per byte), so that any byte fits anywhere.
 */
final class RequestParts {

    static final String CRLF = "\r\n";

    String method;
    String target;
    /** Null: a request line without a version. */
    String version;
    final List<String[]> headers = new ArrayList<>();
    /** The body as sent: plain, or already in chunked form. */
    String body = "";

    RequestParts(String method, String target, String version) {
        this.method = method;
        this.target = target;
        this.version = version;
    }

    RequestParts add(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    void set(String name, String value) {
        remove(name);
        add(name, value);
    }

    void remove(String name) {
        headers.removeIf(h -> h[0].equalsIgnoreCase(name));
    }

    boolean has(String name) {
        return headers.stream().anyMatch(h -> h[0].equalsIgnoreCase(name));
    }

    byte[] bytes() {
        StringBuilder sb = new StringBuilder(256 + body.length());
        sb.append(method).append(' ').append(target);
        if (version != null) {
            sb.append(' ').append(version);
        }
        sb.append(CRLF);
        for (String[] h : headers) {
            sb.append(h[0]).append(": ").append(h[1]).append(CRLF);
        }
        return sb.append(CRLF).append(body).toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Method and (shortened) target, for labels. */
    String describe() {
        String t = target.length() > 40 ? target.substring(0, 40) + "...(" + target.length() + ")" : target;
        return method + " " + t;
    }
}
