package dev.portico.control.api;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks answers to bad requests and collects every mismatch, so that one run reports all of them
 * rather than the first. A refusal is a 4xx whose body is {@code {"error": "..."}} with a message
 * that mentions what was wrong.
 */
final class Refusals {

    private static final int SHOWN = 300;

    private final List<String> failures = new ArrayList<>();
    private int checked;

    /** Expects exactly {@code status}, with a message that mentions each of {@code mentions} (any case). */
    void expect(String request, Http.Answer answer, int status, String... mentions) {
        checked++;
        String problem = problem(answer, mentions);
        if (answer.status() != status) {
            problem = "expected " + status + (problem == null ? "" : "; " + problem);
        }
        record(request, answer, problem);
    }

    /** Expects some 4xx with a message that mentions each of {@code mentions}. */
    void expectClientError(String request, Http.Answer answer, String... mentions) {
        checked++;
        String problem = problem(answer, mentions);
        if (answer.status() < 400 || answer.status() > 499) {
            problem = "expected a 4xx" + (problem == null ? "" : "; " + problem);
        }
        record(request, answer, problem);
    }

    int checked() {
        return checked;
    }

    /** Fails with every mismatch seen. */
    void assertNone() {
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + checked + " answers were wrong:\n" + String.join("\n", failures));
        }
    }

    private static String problem(Http.Answer answer, String... mentions) {
        String error = answer.error();
        if (error == null) {
            return "no {\"error\": \"...\"} body";
        }
        if (error.isBlank()) {
            return "an empty message";
        }
        for (String mention : mentions) {
            if (!error.toLowerCase(Locale.ROOT).contains(mention.toLowerCase(Locale.ROOT))) {
                return "the message does not mention '" + mention + "'";
            }
        }
        return null;
    }

    private void record(String request, Http.Answer answer, String problem) {
        if (problem != null) {
            failures.add("  " + shorten(request) + "\n      → " + shorten(answer.text())
                    + "\n      (" + problem + ")");
        }
    }

    private static String shorten(String s) {
        return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "… (" + s.length() + " chars)";
    }
}
