package dev.portico.runtime.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Commands for test containers, and checks on the processes they leave. */
final class TestProcesses {

    /** Debian's python3 directly: a pyenv shim on the PATH costs half a second per start. */
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private TestProcesses() {}

    /** An HTTP server on {@code $PORT} that first prints its {@code PORT}. */
    static List<String> httpServer(String bindAddress) {
        return List.of("sh", "-c", "echo PORT=$PORT; exec " + PYTHON + " -m http.server --bind " + bindAddress + " $PORT");
    }

    /**
     * Listens on {@code $PORT} once its SIGTERM disposition is set: {@code "exit"} (exit status 7)
     * or {@code "ignore"}.
     */
    static List<String> listenerThatOnSigterm(String disposition, String bindAddress) {
        String handler = disposition.equals("exit") ? "lambda *a: sys.exit(7)" : "signal.SIG_IGN";
        return List.of(PYTHON, "-c", """
                import os, signal, socket, sys
                signal.signal(signal.SIGTERM, %s)
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("%s", int(os.environ["PORT"])))
                s.listen()
                while True:
                    signal.pause()
                """.formatted(handler, bindAddress));
    }

    /** True while the process exists and is not a zombie. */
    static boolean running(long pid) {
        return ProcFs.stat(pid).map(ProcFs.Stat::running).orElse(false);
    }

    /** The process and all its descendants. */
    static List<Long> tree(long pid) {
        return ProcessHandle.of(pid).stream()
                .flatMap(h -> Stream.concat(Stream.of(h), h.descendants()))
                .map(ProcessHandle::pid)
                .toList();
    }
}
