package dev.portico.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's table of TCP sockets in this network namespace ({@code /proc/net/tcp} and {@code tcp6}, so
 * Linux only), to count the connections the proxy still holds open, whatever its internals.
 */
public final class TcpTable {

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String ESTABLISHED = "01";
    private static final String CLOSE_WAIT = "08";

    private TcpTable() {}

    public static boolean available() {
        return Files.isReadable(TABLES.get(0));
    }

    /**
     * Sockets with local port {@code port} that a process still holds: established, or closed by the peer
     * and not yet by the process (close-wait). For a listening port: the connections it accepted.
     */
    public static long heldOnLocalPort(int port) {
        long n = 0;
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(table);
                for (String line : lines.subList(1, lines.size())) {
                    // "  sl  local_address rem_address   st ...": addresses as HEXIP:HEXPORT
                    String[] f = line.trim().split("\\s+");
                    boolean held = f[3].equals(ESTABLISHED) || f[3].equals(CLOSE_WAIT);
                    if (held && port(f[1]) == port) {
                        n++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1), 16);
    }
}
