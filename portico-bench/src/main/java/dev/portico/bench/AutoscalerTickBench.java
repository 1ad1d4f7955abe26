package dev.portico.bench;

import dev.portico.api.AutoscalerSettings;
import dev.portico.control.ServerKey;
import dev.portico.control.autoscale.Autoscaler;
import dev.portico.control.autoscale.AutoscalerPolicy;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One autoscaler tick for {@value #SERVERS} servers: for each, {@link Autoscaler#record} of its load
 * over the tick, then {@link Autoscaler#decide}, as the reconciler does (DESIGN.md §5). Before
 * measuring, a minute of history is recorded (60 ticks, one per second), so each server holds about
 * 61 samples (its 60 s scale-down window). Every invocation is the next tick, one second later.
 *
 * <p>Servers cycle through three realistic settings: load-based with a 60 s scale-down window and
 * no scale-up window; load-based with a 15 s scale-up window, a buffer container and bounds; and a
 * singleton (no target concurrency). Two thirds of the servers are idle, as most are on a big
 * installation; the busy ones see a load that moves from tick to tick. Goal: under 5 ms per tick.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AutoscalerTickBench {

    static final int SERVERS = 10_000;
    static final int HISTORY_SECONDS = 60;
    /** Distinct load patterns, replayed in a loop. */
    private static final int PATTERN_TICKS = 64;

    static final AutoscalerSettings[] SETTINGS = {
        new AutoscalerSettings(10, 0, -1, 0, 0, 60),
        new AutoscalerSettings(4, 1, 50, 1, 15, 60),
        new AutoscalerSettings(0, 0, -1, 0, 0, 60),
    };

    Autoscaler autoscaler;
    ServerKey[] keys;
    AutoscalerSettings[] settings;
    /** Desired counts, as the live counts the next decision starts from. */
    int[] live;
    /** loads[tick % PATTERN_TICKS][server]. */
    double[][] loads;
    Instant now;
    long tick;

    @Setup
    public void setup() {
        autoscaler = new Autoscaler();
        keys = new ServerKey[SERVERS];
        settings = new AutoscalerSettings[SERVERS];
        live = new int[SERVERS];
        loads = new double[PATTERN_TICKS][SERVERS];
        Random random = new Random(42);
        for (int i = 0; i < SERVERS; i++) {
            keys[i] = new ServerKey(i / 4, "main", "app" + (i / 4), "web" + (i % 4));
            settings[i] = SETTINGS[i % SETTINGS.length];
            boolean busy = random.nextInt(3) == 0;
            double base = busy ? random.nextDouble() * 40 : 0;
            for (int t = 0; t < PATTERN_TICKS; t++) {
                loads[t][i] = busy ? Math.max(0, base * (0.5 + random.nextDouble())) : 0;
            }
        }
        now = Instant.parse("2025-01-01T00:00:00Z");
        for (int t = 0; t < HISTORY_SECONDS; t++) {
            tick();
        }
    }

    /** One tick; returns the sum of desired counts. */
    @Benchmark
    public long tick() {
        now = now.plusSeconds(1);
        double[] load = loads[(int) (tick++ % PATTERN_TICKS)];
        long total = 0;
        for (int i = 0; i < SERVERS; i++) {
            ServerKey key = keys[i];
            AutoscalerSettings s = settings[i];
            autoscaler.record(key, load[i], s, now);
            AutoscalerPolicy.Decision decision = autoscaler.decide(key, s, live[i], now);
            live[i] = decision.desired();
            total += decision.desired();
        }
        return total;
    }
}
