package dev.portico.bench;

import dev.portico.api.routing.Authenticator;
import dev.portico.control.ControlPlane;
import dev.portico.control.store.Store;
import dev.portico.control.tenancy.TokenRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The proxy's token check for an authenticated server: {@link TokenRegistry#check} (the control
 * plane's {@link Authenticator}), with a valid token among 100 and with an unknown key. The
 * registry is backed by a real SQLite store in a temporary directory; the check itself reads only
 * its in-memory snapshot. RBAC off (the default).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenCheckBench {

    Path dir;
    Store store;
    TokenRegistry registry;
    String key;
    String secret;

    @Setup
    public void setup() throws IOException {
        dir = Files.createTempDirectory("portico-bench-tokens");
        store = Store.open(dir.resolve("portico.db"), ControlPlane.json(), Clock.systemUTC());
        registry = new TokenRegistry(store);
        TokenRegistry.Created created = null;
        for (int i = 0; i < 100; i++) {
            created = registry.create(List.of("main"));
        }
        key = created.key();
        secret = created.secret();
        if (registry.check(key, secret, "main") != Authenticator.Decision.ALLOW
                || registry.check("pk-000000000000000000000000", secret, "main") != Authenticator.Decision.UNAUTHORIZED) {
            throw new IllegalStateException("token check does not behave as expected");
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public Authenticator.Decision tokenValid() {
        return registry.check(key, secret, "main");
    }

    @Benchmark
    public Authenticator.Decision tokenUnknownKey() {
        return registry.check("pk-000000000000000000000000", secret, "main");
    }
}
