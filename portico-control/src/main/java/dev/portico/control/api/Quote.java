package dev.portico.control.api;

/**
 * Echoes client input in error messages, cut short when long, so that a request cannot make its own
 * error answer arbitrarily large.
 */
final class Quote {

    private static final int MAX_ECHO = 64;

    private Quote() {}

    /** The value in single quotes, cut short. */
    static String of(String value) {
        return "'" + cut(value) + "'";
    }

    /** The value, cut short. */
    static String cut(String value) {
        return value.length() <= MAX_ECHO ? value : value.substring(0, MAX_ECHO) + "…";
    }
}
