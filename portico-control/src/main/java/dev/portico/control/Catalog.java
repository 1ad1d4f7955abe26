package dev.portico.control;

import dev.portico.api.AppInfo;
import dev.portico.api.ContainerInfo;
import dev.portico.api.ContainerState;
import dev.portico.api.ServerInfo;
import dev.portico.control.autoscale.Autoscaler;
import dev.portico.control.fleet.ActiveServer;
import dev.portico.control.fleet.ContainerView;
import dev.portico.control.fleet.Fleet;
import dev.portico.control.reconcile.Reconciler;
import dev.portico.control.store.AppRecord;
import dev.portico.control.store.ContainerRecord;
import dev.portico.control.store.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The read side of the API: apps, servers and containers as the CLI lists them. */
public final class Catalog {

    private final Store store;
    private final Fleet fleet;
    private final Reconciler reconciler;
    private final Autoscaler autoscaler;
    private final DataPlane dataPlane;
    private final UrlScheme urls;

    public Catalog(Store store, Fleet fleet, Reconciler reconciler, Autoscaler autoscaler, DataPlane dataPlane,
                   UrlScheme urls) {
        this.store = store;
        this.fleet = fleet;
        this.reconciler = reconciler;
        this.autoscaler = autoscaler;
        this.dataPlane = dataPlane;
        this.urls = urls;
    }

    public List<AppInfo> apps() {
        List<AppInfo> apps = new ArrayList<>();
        for (AppRecord app : store.apps()) {
            List<AppInfo.Version> versions = store.versions(app.id()).stream()
                    .map(v -> new AppInfo.Version(v.number(), v.status().name(), v.strategy(), v.artifact(),
                            v.reason(), v.createdAt()))
                    .toList();
            apps.add(new AppInfo(app.environment(), app.name(), app.activeVersion(), app.stopped(), versions));
        }
        return apps;
    }

    public Optional<AppRecord> app(String environment, String name) {
        return store.app(environment, name);
    }

    /** Servers of active versions, optionally of one app. */
    public List<ServerInfo> servers(String environment, String app) {
        List<ContainerView> live = fleet.snapshot();
        List<ServerInfo> servers = new ArrayList<>();
        for (AppRecord record : store.apps()) {
            if (record.stopped() || record.activeVersion() == null
                    || !record.environment().equals(environment) || (app != null && !record.name().equals(app))) {
                continue;
            }
            for (String name : store.servers(record.id(), record.activeVersion()).keySet()) {
                ServerKey key = new ServerKey(record.id(), record.environment(), record.name(), name);
                reconciler.server(key.hostLabel()).ifPresent(active -> servers.add(info(active, live)));
            }
        }
        return servers;
    }

    private ServerInfo info(ActiveServer server, List<ContainerView> live) {
        int ready = 0;
        int starting = 0;
        int draining = 0;
        for (ContainerView c : live) {
            if (!c.server().equals(server.key()) || c.version() != server.version()) {
                continue;
            }
            switch (c.state()) {
                case READY -> ready++;
                case STARTING -> starting++;
                case DRAINING, STOPPING -> draining++;
                default -> { }
            }
        }
        Autoscaler.Status status = autoscaler.status(server.key());
        ServerKey key = server.key();
        return new ServerInfo(key.environment(), key.app(), key.server(), server.version(),
                urls.url(key, server.spec().routingRegion()), server.spec().routingRegion(),
                server.spec().unauthenticated(), ready, starting, draining,
                status == null ? 0 : status.load(),
                status == null || status.decision() == null ? ready + starting : status.decision().desired(),
                status == null || status.decision() == null ? "" : status.decision().reason(),
                reconciler.settings(server));
    }

    /** Containers, newest first: every live one and, with {@code includeEnded}, stopped and failed ones. */
    public List<ContainerInfo> containers(String environment, String app, String server, boolean includeEnded) {
        Long appId = null;
        if (app != null) {
            Optional<AppRecord> record = store.app(environment, app);
            if (record.isEmpty()) {
                return List.of();
            }
            appId = record.get().id();
        }
        Map<String, Integer> inFlight = dataPlane.inFlightByContainer();
        Map<Long, AppRecord> owners = new HashMap<>();
        for (AppRecord record : store.apps()) {
            owners.put(record.id(), record);
        }
        List<ContainerRecord> records = store.containers(appId, server);
        Map<String, Restarts> restarts = Restarts.of(records);
        List<ContainerInfo> containers = new ArrayList<>();
        for (ContainerRecord c : records) {
            if (!includeEnded && c.state().isFinal()) {
                continue;
            }
            AppRecord owner = owners.get(c.appId());
            if (!owner.environment().equals(environment)) {
                continue;
            }
            containers.add(new ContainerInfo(c.id(), owner.environment(), owner.name(), c.server(), c.version(),
                    c.state(), c.address(), c.state() == ContainerState.STOPPED ? 0 : inFlight.getOrDefault(c.id(), 0),
                    c.reason(), restarts.get(c.id()).count(), restarts.get(c.id()).lastFailure(), c.createdAt()));
        }
        return containers;
    }
}
