package dev.portico.cli.up;

import dev.portico.api.routing.RoutingTable;
import dev.portico.control.ControlPlane;
import dev.portico.control.DataPlane;
import dev.portico.proxy.ProxyServer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Connects the control plane to the in-process proxy: routing snapshots go one way, in-flight
 * counts, load and cold-start signals the other.
 */
final class ProxyDataPlane implements DataPlane {

    private volatile ProxyServer proxy;
    private volatile ControlPlane control;

    void attach(ProxyServer proxy) {
        this.proxy = proxy;
    }

    void attach(ControlPlane control) {
        this.control = control;
    }

    /**
     * Called on a proxy event loop for a request that found no ready container. The control plane
     * only queues a reconcile pass, so this returns at once.
     */
    void noReadyContainer(String hostLabel) {
        ControlPlane target = control;
        if (target != null) {
            target.coldStart(hostLabel);
        }
    }

    @Override
    public void publish(RoutingTable table) {
        proxy.update(table);
    }

    @Override
    public Map<String, Integer> inFlightByContainer() {
        return proxy.inFlightByContainer();
    }

    @Override
    public CompletableFuture<Map<String, Double>> harvestLoad() {
        return proxy.harvestLoad();
    }
}
