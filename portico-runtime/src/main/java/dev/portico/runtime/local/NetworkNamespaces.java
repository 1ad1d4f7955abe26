package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named network namespaces with a veth pair each, made with iproute2.
 *
 * <p>Names carry the runtime's {@link InstanceTag}: host-side interface
 * {@code pt<tag><subnet index in hex>} (at most 14 characters: Linux allows 15); namespace (in
 * {@code /var/run/netns}) {@code portico-<tag>-<containerId>} when made for a container, or
 * {@code portico-<tag>-net.<subnet index in hex>} when made ahead of time for the
 * {@link NetworkPool}, before the container is known (no container id has a '.'). A namespace
 * file cannot be renamed (it is a mount point), so the container's id goes into the host
 * interface's alias instead ({@code ip link} shows it), where {@link NamespaceIsolation#removeLeftovers}
 * finds it. The container side is always {@code eth0}: it is created directly inside the namespace,
 * so it never clashes with host interfaces.
 *
 * <p>Cost: setting one up is two {@code ip -batch} processes (the host side, then the inside:
 * iproute2 cannot switch namespaces between batch lines), ~10 ms together; most of it is
 * fork/exec. Tearing down is one: deleting the host end removes the pair at once, whereas
 * leaving it to namespace destruction happens asynchronously in the kernel, and a released subnet
 * could be handed out while its old interface name still exists.
 */
final class NetworkNamespaces {

    private static final Logger log = LoggerFactory.getLogger(NetworkNamespaces.class);
    static final Path RUN_DIR = Path.of("/var/run/netns");
    private static final String CONTAINER_INTERFACE = "eth0";
    private static final String POOL_INFIX = "net.";
    private static final Path SYS_NET = Path.of("/sys/class/net");

    /** A network namespace with its veth pair, host end {@code hostInterface}, on {@code subnet}. */
    record Network(String namespace, String hostInterface, AddressPool.Subnet subnet) {}

    private final Path ip;
    private final String namespacePrefix;
    private final String interfacePrefix;

    NetworkNamespaces(Path ip, InstanceTag tag) {
        this.ip = ip;
        this.namespacePrefix = "portico-" + tag + "-";
        this.interfacePrefix = "pt" + tag;
    }

    /** The names of container {@code containerId}'s network on {@code subnet}, made at its launch. */
    Network forContainer(String containerId, AddressPool.Subnet subnet) {
        return new Network(namespacePrefix + containerId, hostInterface(subnet), subnet);
    }

    /** The names of a network on {@code subnet} made ahead of time, before its container is known. */
    Network pooled(AddressPool.Subnet subnet) {
        return new Network(namespacePrefix + POOL_INFIX + Long.toHexString(subnet.index()), hostInterface(subnet), subnet);
    }

    private String hostInterface(AddressPool.Subnet subnet) {
        return interfacePrefix + Long.toHexString(subnet.index());
    }

    /** The file that pins the namespace, as {@code nsenter --net=} takes it. */
    static Path path(String namespace) {
        return RUN_DIR.resolve(namespace);
    }

    /**
     * Creates the namespace with loopback up and a veth pair: host end {@code subnet .1}, container
     * end {@code eth0} with {@code subnet .2}. On failure nothing of it is left.
     */
    void create(Network network) throws IOException {
        String namespace = network.namespace();
        String hostInterface = network.hostInterface();
        AddressPool.Subnet subnet = network.subnet();
        String hostSide = """
                netns add %1$s
                link add %2$s type veth peer name %3$s netns %1$s
                addr add %4$s dev %2$s
                link set %2$s up
                """.formatted(namespace, hostInterface, CONTAINER_INTERFACE, subnet.hostCidr());
        String inside = """
                link set lo up
                addr add %2$s dev %1$s
                link set %1$s up
                """.formatted(CONTAINER_INTERFACE, subnet.containerCidr());
        try {
            HostCommand.run(List.of(ip.toString(), "-batch", "-"), hostSide);
            HostCommand.run(List.of(ip.toString(), "-n", namespace, "-batch", "-"), inside);
        } catch (IOException e) {
            delete(network);
            throw e;
        }
    }

    /** Removes the veth pair and the namespace's name; either may already be gone. Never throws. */
    void delete(Network network) {
        delete(List.of(network.namespace()), List.of(network.hostInterface()));
    }

    /**
     * Deletes interfaces (one end of a veth pair deletes both) and then namespace names, in one
     * {@code ip} process; those already gone are skipped. Never throws.
     */
    void delete(List<String> namespaceNames, List<String> hostInterfaces) {
        StringBuilder batch = new StringBuilder();
        hostInterfaces.stream()
                .filter(name -> Files.exists(SYS_NET.resolve(name)))
                .forEach(name -> batch.append("link del ").append(name).append('\n'));
        namespaceNames.stream()
                .filter(name -> Files.exists(path(name)))
                .forEach(name -> batch.append("netns del ").append(name).append('\n'));
        if (batch.isEmpty()) {
            return;
        }
        try {
            HostCommand.run(List.of(ip.toString(), "-force", "-batch", "-"), batch.toString());
        } catch (IOException e) {
            // Someone else (a removeLeftovers() racing with this container's own exit) may have
            // deleted them in between: only what is still there is worth a warning.
            boolean gone = namespaceNames.stream().noneMatch(name -> Files.exists(path(name)))
                    && hostInterfaces.stream().noneMatch(name -> Files.exists(SYS_NET.resolve(name)));
            if (!gone) {
                log.warn("cannot delete network namespaces {} / interfaces {}: {}", namespaceNames, hostInterfaces,
                        e.getMessage());
            }
        }
    }

    /** Whether both the namespace and the host end of its veth pair (still) exist. */
    static boolean exists(Network network) {
        return Files.exists(path(network.namespace())) && Files.exists(SYS_NET.resolve(network.hostInterface()));
    }

    /**
     * Labels the host interface with the id of the container that uses it, so that a later
     * instance's {@code removeLeftovers()} can name the container of a pooled namespace.
     * A write to sysfs, no process.
     */
    static void label(String hostInterface, String containerId) throws IOException {
        Files.writeString(SYS_NET.resolve(hostInterface).resolve("ifalias"), containerId);
    }

    /** The label of a host interface; empty when it has none or is gone. */
    static Optional<String> label(String hostInterface) {
        try {
            String alias = Files.readString(SYS_NET.resolve(hostInterface).resolve("ifalias")).strip();
            return alias.isEmpty() ? Optional.empty() : Optional.of(alias);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Names of this instance's namespaces that are not in {@code inUse}. */
    List<String> leftoverNamespaces(Set<String> inUse) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(RUN_DIR)) {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(RUN_DIR, namespacePrefix + "*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!inUse.contains(name)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}", RUN_DIR, e);
        }
        return names;
    }

    /**
     * The id of the container that uses (or used) one of this instance's namespaces: from its
     * name, or for a pooled one from its host interface's label; empty for a pooled namespace
     * that no container took.
     */
    Optional<String> containerId(String namespace) {
        String suffix = namespace.substring(namespacePrefix.length());
        if (!suffix.startsWith(POOL_INFIX)) {
            return Optional.of(suffix);
        }
        return label(interfacePrefix + suffix.substring(POOL_INFIX.length()));
    }

    /** Pids of the processes in a namespace (from {@code ip netns pids}); empty when it is gone. */
    List<Long> pids(String namespace) {
        try {
            return HostCommand.run(List.of(ip.toString(), "netns", "pids", namespace), "").lines()
                    .map(String::trim)
                    .filter(line -> !line.isEmpty())
                    .map(Long::parseLong)
                    .toList();
        } catch (IOException e) {
            log.debug("cannot list the processes of {}: {}", namespace, e.getMessage());
            return List.of();
        }
    }

    /** Host-side interfaces of this instance that no live container uses. */
    List<String> leftoverInterfaces(Set<String> liveInterfaces) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(SYS_NET, interfacePrefix + "*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!liveInterfaces.contains(name)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list network interfaces", e);
        }
        return names;
    }
}
