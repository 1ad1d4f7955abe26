package dev.portico.control.autoscale;

import dev.portico.api.AutoscalerSettings;

/**
 * The autoscaling rules of DESIGN.md §5 as a pure function of settings, the history of wanted
 * counts and the previous decision. No clock, no state: callers pass {@code now}, so the rules are
 * tested in virtual time.
 *
 * <pre>
 *   raw    = ceil(load / targetConcurrency)      when targetConcurrency &gt; 0
 *          = load &gt; 0 ? 1 : 0                   otherwise (singleton / fixed pool)
 *   wanted = clamp(load &gt; 0 ? raw + buffer : raw, min, max)
 *   up     = smallest wanted over the last scaleupWindow (latest wanted when no window)
 *   down   = largest wanted over the last scaledownWindow
 *   desired = up when up &gt; previous; down when down &lt; previous; previous otherwise
 * </pre>
 *
 * {@code previous} is the last desired count, not the number of live containers: a container that
 * fails is replaced, since the count it belonged to still stands. Zero-to-one never waits for the
 * scale-up window: from zero, any demand in the scale-down window gives at least one.
 */
public final class AutoscalerPolicy {

    private AutoscalerPolicy() {}

    /** The outcome of a decision and the rule that made it, for {@code portico server list}. */
    public record Decision(int desired, String reason) {}

    /** The wanted count for a load (time-weighted mean in-flight requests over a tick). */
    public static int wanted(double load, AutoscalerSettings settings) {
        int raw;
        if (settings.targetConcurrency() > 0) {
            raw = (int) Math.min(Integer.MAX_VALUE, Math.ceil(load / settings.targetConcurrency() - 1e-9));
        } else {
            raw = load > 0 ? 1 : 0;
        }
        long withBuffer = load > 0 ? (long) raw + settings.bufferContainers() : raw;
        return clamp(withBuffer, settings);
    }

    /**
     * Decides the desired count.
     *
     * @param history samples, oldest first; those older than both windows are ignored
     * @param previous the previous desired count (the live count when there was none)
     */
    static Decision decide(AutoscalerSettings settings, History history, int previous, long nowMillis) {
        int samples = history.size();
        if (samples == 0) {
            int bounded = clamp(previous, settings);
            return new Decision(bounded, bounded == previous ? "no load seen yet" : "clamped to min/max");
        }
        long upFrom = nowMillis - settings.scaleupWindow() * 1000L;
        long downFrom = nowMillis - settings.scaledownWindow() * 1000L;
        int up = Integer.MAX_VALUE;
        boolean sampledUp = false;
        int down = 0;
        for (int i = 0; i < samples; i++) {
            long at = history.at(i);
            int wanted = history.wanted(i);
            if (at >= upFrom) {
                up = Math.min(up, wanted);
                sampledUp = true;
            }
            if (at >= downFrom) {
                down = Math.max(down, wanted);
            }
        }
        if (settings.scaleupWindow() == 0) {
            up = history.wanted(samples - 1);
        } else if (!sampledUp || history.at(0) > upFrom) {
            // The history does not cover the whole window yet: demand has not been sustained for it.
            up = Math.min(up, previous);
        }
        if (previous == 0 && down > 0 && up < 1) {
            return new Decision(1, "cold start: demand with no container");
        }
        if (up > previous) {
            String why = settings.scaleupWindow() == 0 ? "scale up: load wants " + up
                    : "scale up: load has wanted at least " + up + " for " + settings.scaleupWindow() + " s";
            return new Decision(clamp(up, settings), why);
        }
        if (down < previous) {
            return new Decision(clamp(down, settings),
                    "scale down: at most " + down + " wanted over the last " + settings.scaledownWindow() + " s");
        }
        int bounded = clamp(previous, settings);
        return new Decision(bounded, bounded == previous ? "steady" : "clamped to min/max");
    }

    private static int clamp(long wanted, AutoscalerSettings settings) {
        long bounded = Math.max(settings.minContainers(), Math.min(wanted, settings.effectiveMaxContainers()));
        return (int) bounded;
    }
}
