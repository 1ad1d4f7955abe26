package dev.portico.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named network namespaces with a veth pair each, made with iproute2.
 *
 * <p>Names carry the runtime's {@link InstanceTag}: namespace {@code portico-<tag>-<containerId>}
 * (in {@code /var/run/netns}), host-side interface {@code pt<tag><subnet index in hex>} (at most
 * 14 characters: Linux allows 15). The container side is always {@code eth0}: it is created
 * directly inside the namespace, so it never clashes with host interfaces.
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

    private final Path ip;
    private final String namespacePrefix;
    private final String interfacePrefix;

    NetworkNamespaces(Path ip, InstanceTag tag) {
        this.ip = ip;
        this.namespacePrefix = "portico-" + tag + "-";
        this.interfacePrefix = "pt" + tag;
    }

    String namespaceName(String containerId) {
        return namespacePrefix + containerId;
    }

    String hostInterface(AddressPool.Subnet subnet) {
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
    void create(String namespace, String hostInterface, AddressPool.Subnet subnet) throws IOException {
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
            delete(namespace, hostInterface);
            throw e;
        }
    }

    /** Removes the veth pair and the namespace's name; either may already be gone. Never throws. */
    void delete(String namespace, String hostInterface) {
        delete(List.of(namespace), List.of(hostInterface));
    }

    /**
     * Deletes interfaces (one end of a veth pair deletes both) and then namespace names, in one
     * {@code ip} process; those already gone are skipped. Never throws.
     */
    void delete(List<String> namespaceNames, List<String> hostInterfaces) {
        StringBuilder batch = new StringBuilder();
        hostInterfaces.stream()
                .filter(name -> Files.exists(Path.of("/sys/class/net", name)))
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
                    && hostInterfaces.stream().noneMatch(name -> Files.exists(Path.of("/sys/class/net", name)));
            if (!gone) {
                log.warn("cannot delete network namespaces {} / interfaces {}: {}", namespaceNames, hostInterfaces,
                        e.getMessage());
            }
        }
    }

    /** Names of this instance's namespaces whose container is not in {@code live}. */
    List<String> leftoverNamespaces(Set<String> live) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(RUN_DIR)) {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(RUN_DIR, namespacePrefix + "*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!live.contains(containerId(name))) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}", RUN_DIR, e);
        }
        return names;
    }

    /** The container id in one of this instance's namespace names. */
    String containerId(String namespace) {
        return namespace.substring(namespacePrefix.length());
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
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/sys/class/net"), interfacePrefix + "*")) {
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
