package dev.portico.runtime.local;

import dev.portico.runtime.LaunchException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out one /30 per container out of the configured pool, never one that another runtime on
 * this host uses.
 *
 * <p>The pool is cut into blocks of (at most) a /22, 256 subnets each. A runtime claims a whole
 * block by holding an exclusive lock on {@code /run/portico/address-blocks/<block>.lock} for as
 * long as it lives; the kernel drops the lock when the process dies, so a crashed runtime's blocks
 * become free again without any cleanup. When its blocks run out it claims the next free one.
 * Subnets that overlap an address already configured on the host (a crashed runtime's leftover
 * veth, say) are skipped when the block is claimed.
 *
 * <p>A claimed block also gets an {@code unreachable} route. Why: a container's /30 route
 * disappears with its veth pair, and without a route of their own the addresses of a dead
 * container would be routed to the default gateway; a connection meant for the container (a
 * readiness probe, a proxied request) would leave the host and might be answered by someone
 * else. With the block unreachable it fails at once with "no route to host", while live
 * containers' /30 routes, being more specific, still win.
 *
 * <p>POSIX locks belong to the process, not to the channel, and closing <em>any</em> descriptor
 * of a file drops them; several runtimes in one JVM (tests) would therefore release each other's
 * locks. So a JVM-wide set records the blocks this JVM holds, and a held block's file is never
 * opened a second time.
 */
final class AddressPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AddressPool.class);
    private static final int BLOCK_PREFIX = 22;
    private static final Set<Path> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    /**
     * A container's point-to-point subnet: host end {@code .1}, container end {@code .2}.
     *
     * @param index position of the subnet in the pool, unique on this host while leased
     */
    record Subnet(long index, Ipv4Block block) {
        String hostCidr() {
            return block.interfaceAddress(1);
        }

        String containerCidr() {
            return block.interfaceAddress(2);
        }
    }

    private record ClaimedBlock(Ipv4Block block, Path lockFile, FileChannel channel, FileLock lock) {}

    private final Ipv4Block pool;
    private final int blockPrefix;
    private final Path lockDir;
    private final Path ip;
    private final List<ClaimedBlock> claimed = new ArrayList<>();
    private final Deque<Subnet> free = new ArrayDeque<>();

    AddressPool(Ipv4Block pool, Path lockDir, Path ip) {
        this.pool = pool;
        this.blockPrefix = Math.max(pool.prefix(), BLOCK_PREFIX);
        this.lockDir = lockDir;
        this.ip = ip;
    }

    synchronized Subnet acquire() throws LaunchException {
        if (free.isEmpty()) {
            claimBlock();
        }
        return free.removeFirst();
    }

    /** Returns a subnet to the end of the queue, so the next launch gets one that rested longest. */
    synchronized void release(Subnet subnet) {
        free.addLast(subnet);
    }

    private void claimBlock() throws LaunchException {
        try {
            Files.createDirectories(lockDir);
        } catch (IOException e) {
            throw new LaunchException("cannot create " + lockDir, e);
        }
        List<Ipv4Block> inUse = addressesOnHost();
        for (long b = 0; b < pool.count(blockPrefix); b++) {
            Ipv4Block block = pool.subBlock(blockPrefix, b);
            Path lockFile = lockFile(block);
            if (!HELD_IN_THIS_JVM.add(lockFile)) {
                continue;
            }
            FileLock lock;
            try {
                lock = tryLock(lockFile);
            } catch (LaunchException e) {
                HELD_IN_THIS_JVM.remove(lockFile);
                throw e;
            }
            if (lock == null) {
                HELD_IN_THIS_JVM.remove(lockFile);
                continue;
            }
            claimed.add(new ClaimedBlock(block, lockFile, lock.channel(), lock));
            try {
                HostCommand.run(List.of(ip.toString(), "route", "replace", "unreachable", block.toString()), "");
            } catch (IOException e) {
                throw new LaunchException("cannot route address block " + block, e);
            }
            long first = b * block.count(Ipv4Block.SUBNET_PREFIX);
            for (long s = 0; s < block.count(Ipv4Block.SUBNET_PREFIX); s++) {
                Ipv4Block subnet = block.subBlock(Ipv4Block.SUBNET_PREFIX, s);
                if (inUse.stream().noneMatch(subnet::overlaps)) {
                    free.addLast(new Subnet(first + s, subnet));
                }
            }
            log.debug("claimed address block {} ({} free subnets)", block, free.size());
            if (!free.isEmpty()) {
                return;
            }
        }
        throw new LaunchException("address pool " + pool + " is exhausted: every block is claimed or in use");
    }

    private static FileLock tryLock(Path lockFile) throws LaunchException {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return lock;
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new LaunchException("cannot lock " + lockFile, e);
        }
    }

    /** IPv4 addresses configured on the host's interfaces, with their prefixes. */
    private List<Ipv4Block> addressesOnHost() throws LaunchException {
        String output;
        try {
            output = HostCommand.run(List.of(ip.toString(), "-o", "-4", "addr", "show"), "");
        } catch (IOException e) {
            throw new LaunchException("cannot list the host's addresses", e);
        }
        List<Ipv4Block> addresses = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] tokens = line.trim().split("\\s+");
            for (int i = 0; i + 1 < tokens.length; i++) {
                if (tokens[i].equals("inet")) {
                    String address = tokens[i + 1];
                    addresses.add(Ipv4Block.parse(address.contains("/") ? address : address + "/32", true));
                }
            }
        }
        return addresses;
    }

    @Override
    public synchronized void close() {
        for (ClaimedBlock block : claimed) {
            try {
                HostCommand.run(List.of(ip.toString(), "route", "del", "unreachable", block.block().toString()), "");
            } catch (IOException e) {
                log.warn("cannot remove the route of address block {}: {}", block.block(), e.getMessage());
            }
            try {
                block.lock().release();
            } catch (IOException e) {
                log.debug("cannot release {}", block.lockFile(), e);
            }
            closeQuietly(block.channel());
            HELD_IN_THIS_JVM.remove(block.lockFile());
        }
        claimed.clear();
        free.clear();
        removeStrayRoutes();
    }

    /**
     * Removes the {@code unreachable} routes of pool blocks that no runtime holds: those of a
     * runtime that crashed. A block is free when its lock can be taken; it is held only while the
     * route is deleted.
     */
    private void removeStrayRoutes() {
        String routes;
        try {
            routes = HostCommand.run(List.of(ip.toString(), "route", "show", "type", "unreachable"), "");
        } catch (IOException e) {
            log.debug("cannot list unreachable routes: {}", e.getMessage());
            return;
        }
        for (String line : routes.lines().toList()) {
            String[] tokens = line.trim().split("\\s+");
            Ipv4Block block;
            try {
                block = Ipv4Block.parse(tokens.length > 1 && tokens[0].equals("unreachable") ? tokens[1] : "");
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (block.prefix() != blockPrefix || !pool.overlaps(block)) {
                continue;
            }
            Path lockFile = lockFile(block);
            if (!HELD_IN_THIS_JVM.add(lockFile)) {
                continue;
            }
            try {
                FileLock lock = tryLock(lockFile);
                if (lock != null) {
                    try {
                        HostCommand.run(List.of(ip.toString(), "route", "del", "unreachable", block.toString()), "");
                        log.debug("removed the route of abandoned address block {}", block);
                    } finally {
                        closeQuietly(lock.channel());
                    }
                }
            } catch (LaunchException | IOException e) {
                log.debug("cannot remove the route of address block {}: {}", block, e.getMessage());
            } finally {
                HELD_IN_THIS_JVM.remove(lockFile);
            }
        }
    }

    private Path lockFile(Ipv4Block block) {
        return lockDir.resolve(block.toString().replace('/', '_') + ".lock");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("cannot close a lock file", e);
            }
        }
    }
}
