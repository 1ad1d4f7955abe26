package dev.portico.control;

import java.util.Map;

/**
 * How server URLs are formed: {@code http://{env}--{app}--{server}.{domain}:{port}}, with the port
 * of the server's routing region's proxy (DESIGN.md §3).
 *
 * @param proxyPorts routing region to the port its proxy listens on
 */
public record UrlScheme(String domain, Map<String, Integer> proxyPorts) {

    public UrlScheme {
        proxyPorts = Map.copyOf(proxyPorts);
    }

    public String url(ServerKey key, String routingRegion) {
        Integer port = proxyPorts.get(routingRegion);
        if (port == null) {
            throw new IllegalArgumentException("no proxy serves routing region " + routingRegion);
        }
        return "http://" + key.hostLabel() + "." + domain + (port == 80 ? "" : ":" + port);
    }
}
