package dev.portico.runtime.local;

import dev.portico.runtime.LaunchException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out free loopback ports, distinct among the live containers of one runtime: the kernel
 * picks a free one (bind to port 0), which is closed again and given to the container as its
 * {@code PORT}.
 */
final class LoopbackPorts {

    private static final int ATTEMPTS = 100;

    private final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

    int acquire() throws LaunchException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new LaunchException("cannot find a free loopback port", e);
            }
            if (handedOut.add(port)) {
                return port;
            }
        }
        throw new LaunchException("no free loopback port after " + ATTEMPTS + " attempts");
    }

    void release(int port) {
        handedOut.remove(port);
    }
}
