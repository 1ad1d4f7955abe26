package dev.portico.proxy.internal;

/**
 * User event fired towards {@link Forwarder} when the request being forwarded turned out malformed
 * mid-body: the container connection is dropped, and whoever fired the event answers the client.
 */
enum ExchangeAborted {
    INSTANCE
}
