package dev.portico.control;

import dev.portico.api.Names;

/** Identifies a server across versions: its app (by id and names) and its name. */
public record ServerKey(long appId, String environment, String app, String server) {

    /** {@code env--app--server}: the first label of the server's host name. */
    public String hostLabel() {
        return Names.hostLabel(environment, app, server);
    }

    @Override
    public String toString() {
        return hostLabel();
    }
}
