package dev.portico.control.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.api.AutoscalerSettings;
import dev.portico.control.ServerKey;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §5 in virtual time: each scenario feeds one load sample per tick to an
 * {@link Autoscaler} and follows the desired count as a reconciler would (current = last desired).
 */
class AutoscalerPolicyTest {

    private static final ServerKey KEY = new ServerKey(1, "main", "app", "web");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Drives the autoscaler one 1-second tick at a time. */
    private static final class Scenario {
        final AutoscalerSettings settings;
        final Autoscaler autoscaler = new Autoscaler();
        Instant now = T0;
        int current;

        Scenario(AutoscalerSettings settings, int current) {
            this.settings = settings;
            this.current = current;
        }

        /** Runs {@code seconds} ticks at {@code load}; returns the desired count after the last. */
        int run(double load, int seconds) {
            for (int i = 0; i < seconds; i++) {
                now = now.plus(Duration.ofSeconds(1));
                autoscaler.record(KEY, load, settings, now);
                current = autoscaler.decide(KEY, settings, current, now).desired();
            }
            return current;
        }
    }

    private static AutoscalerSettings settings(double target, int min, int max, int buffer, int up, int down) {
        return new AutoscalerSettings(target, min, max, buffer, up, down);
    }

    @Test
    void stepsUpAtOnceWithoutWindowAndDownAfterTheScaledownWindow() {
        Scenario s = new Scenario(settings(2, 0, -1, 0, 0, 60), 0);
        assertThat(s.run(8, 1)).isEqualTo(4);
        assertThat(s.run(8, 10)).isEqualTo(4);
        assertThat(s.run(2, 59)).as("within the scale-down window").isEqualTo(4);
        assertThat(s.run(2, 2)).as("after it").isEqualTo(1);
        assertThat(s.run(0, 61)).isZero();
    }

    @Test
    void burstShorterThanTheScaleupWindowDoesNotScaleUp() {
        Scenario s = new Scenario(settings(1, 1, -1, 0, 5, 60), 1);
        assertThat(s.run(1, 10)).isEqualTo(1);
        assertThat(s.run(6, 3)).as("3 s burst, 5 s window").isEqualTo(1);
        assertThat(s.run(1, 1)).isEqualTo(1);
        assertThat(s.run(6, 6)).as("sustained for the whole window").isEqualTo(6);
    }

    @Test
    void bufferOnlyWhileThereIsLoad() {
        Scenario s = new Scenario(settings(1, 0, -1, 2, 0, 10), 0);
        assertThat(s.run(3, 1)).isEqualTo(5);
        assertThat(s.run(0, 12)).as("idle: no buffer").isZero();
    }

    @Test
    void clampsToMinAndMax() {
        Scenario s = new Scenario(settings(1, 2, 5, 0, 0, 10), 0);
        assertThat(s.run(0, 1)).isEqualTo(2);
        assertThat(s.run(50, 1)).isEqualTo(5);
        assertThat(s.run(0, 20)).isEqualTo(2);
    }

    @Test
    void fractionalTargetRoundsUp() {
        Scenario s = new Scenario(settings(1.5, 0, -1, 0, 0, 60), 0);
        assertThat(s.run(3, 1)).as("1.5 target, 3 concurrent").isEqualTo(2);
        assertThat(s.run(3.1, 1)).isEqualTo(3);
    }

    @Test
    void unsetTargetWithMinThreeIsAFixedPool() {
        Scenario s = new Scenario(settings(0, 3, -1, 0, 0, 60), 0);
        assertThat(s.run(0, 1)).isEqualTo(3);
        assertThat(s.run(40, 5)).isEqualTo(3);
        assertThat(s.run(0, 120)).isEqualTo(3);
    }

    @Test
    void singletonIsOneWhileThereIsDemandAndZeroWhenIdle() {
        Scenario s = new Scenario(settings(0, 0, -1, 0, 0, 30), 0);
        assertThat(s.run(0.2, 1)).isEqualTo(1);
        assertThat(s.run(25, 5)).isEqualTo(1);
        assertThat(s.run(0, 29)).isEqualTo(1);
        assertThat(s.run(0, 2)).isZero();
    }

    @Test
    void coldStartNeverWaitsForTheScaleupWindow() {
        AutoscalerSettings settings = settings(1, 0, -1, 0, 30, 60);
        Autoscaler autoscaler = new Autoscaler();
        autoscaler.coldStart(KEY, settings, T0);
        assertThat(autoscaler.decide(KEY, settings, 0, T0).desired()).isEqualTo(1);
        assertThat(autoscaler.decide(KEY, settings, 1, T0.plusSeconds(59)).desired())
                .as("kept for the scale-down window").isEqualTo(1);
        assertThat(autoscaler.decide(KEY, settings, 1, T0.plusSeconds(61)).desired()).isZero();
    }

    @Test
    void noHistoryKeepsTheLiveCountWithinBounds() {
        assertThat(new Autoscaler().decide(KEY, settings(1, 1, 3, 0, 0, 60), 0, T0).desired()).isEqualTo(1);
        assertThat(new Autoscaler().decide(KEY, settings(1, 1, 3, 0, 0, 60), 7, T0).desired()).isEqualTo(3);
    }

    @Test
    void aFailedContainerDoesNotLowerTheDesiredCount() {
        AutoscalerSettings settings = settings(1, 0, -1, 0, 0, 60);
        Autoscaler autoscaler = new Autoscaler();
        autoscaler.record(KEY, 2, settings, T0);
        assertThat(autoscaler.decide(KEY, settings, 0, T0).desired()).isEqualTo(2);
        autoscaler.record(KEY, 0, settings, T0.plusSeconds(1));
        assertThat(autoscaler.decide(KEY, settings, 1, T0.plusSeconds(1)).desired())
                .as("one of the two failed: still two wanted").isEqualTo(2);
    }

    @Test
    void coldStartSurvivesALaterIdleTick() {
        AutoscalerSettings settings = settings(0, 0, -1, 0, 0, 60);
        Autoscaler autoscaler = new Autoscaler();
        autoscaler.coldStart(KEY, settings, T0);
        autoscaler.record(KEY, 0, settings, T0.plusMillis(500));
        assertThat(autoscaler.decide(KEY, settings, 0, T0.plusMillis(600)).desired()).isEqualTo(1);
    }
}
