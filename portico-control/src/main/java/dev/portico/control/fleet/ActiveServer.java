package dev.portico.control.fleet;

import dev.portico.api.ServerSpec;
import dev.portico.control.ServerKey;

/** A server of an app's active version: what the proxy routes to. */
public record ActiveServer(ServerKey key, int version, ServerSpec spec) {}
