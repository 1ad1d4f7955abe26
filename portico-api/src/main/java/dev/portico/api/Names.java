package dev.portico.api;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Rules for the names that make up a server's URL, {@code {env}--{app}--{server}.{domain}}: each
 * name is lower-case {@code [a-z0-9-]}, does not start or end with '-', contains no {@code --}
 * (the separator), and the whole label fits a DNS label (63 characters), so each name does too.
 */
public final class Names {

    /** Longest DNS label (RFC 1035 §2.3.4). */
    public static final int MAX_LABEL_LENGTH = 63;

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

    private Names() {}

    /**
     * Checks one name.
     *
     * @param what what the name is, for the message ("app name", "environment")
     * @return a problem description, or empty when the name is valid
     */
    public static Optional<String> problem(String what, String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of(what + " must not be empty");
        }
        if (name.length() > MAX_LABEL_LENGTH) {
            return Optional.of(what + " is " + name.length() + " characters long; at most " + MAX_LABEL_LENGTH
                    + " are allowed");
        }
        if (!NAME.matcher(name).matches()) {
            return Optional.of(what + " '" + name + "' must be lower-case letters, digits and '-',"
                    + " starting and ending with a letter or digit");
        }
        if (name.contains("--")) {
            return Optional.of(what + " '" + name + "' must not contain '--' (it separates the parts of a URL)");
        }
        return Optional.empty();
    }

    /** The host label of a server: {@code env--app--server}. */
    public static String hostLabel(String environment, String app, String server) {
        return environment + "--" + app + "--" + server;
    }

    /** A problem with the combined label, or empty when it fits. */
    public static Optional<String> labelProblem(String environment, String app, String server) {
        String label = hostLabel(environment, app, server);
        if (label.length() > MAX_LABEL_LENGTH) {
            return Optional.of("URL label '" + label + "' is " + label.length()
                    + " characters; it must fit " + MAX_LABEL_LENGTH + " (shorten the environment, app or server name)");
        }
        return Optional.empty();
    }
}
