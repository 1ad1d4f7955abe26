package dev.portico.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The six settings that steer a server's autoscaler (DESIGN.md §5). Deployed from the server's
 * spec; {@code update_autoscaler} overrides any subset until the app's next deploy.
 *
 * @param maxContainers -1 for unbounded
 * @param scaleupWindow seconds; 0 scales up at once
 * @param scaledownWindow seconds
 */
public record AutoscalerSettings(
        double targetConcurrency,
        int minContainers,
        int maxContainers,
        int bufferContainers,
        int scaleupWindow,
        int scaledownWindow) {

    /** The settings a spec deploys with. */
    public static AutoscalerSettings of(ServerSpec spec) {
        return new AutoscalerSettings(spec.targetConcurrency(), spec.minContainers(), spec.maxContainers(),
                spec.bufferContainers(), spec.scaleupWindow(), spec.scaledownWindow());
    }

    /** A setting out of its range: which, its value, and the allowed range in words. */
    public record Problem(String setting, String value, String message) {}

    /** Every setting out of its range. */
    public List<Problem> problems() {
        List<Problem> problems = new ArrayList<>();
        if (!(targetConcurrency >= 0 && targetConcurrency <= 100_000)) {
            problems.add(new Problem("targetConcurrency", Double.toString(targetConcurrency),
                    "targetConcurrency must be in 0..100000 (0 means no load-based scaling)"));
        }
        range(problems, "minContainers", minContainers, 0, 1000);
        if (maxContainers != ServerSpec.UNBOUNDED && (maxContainers < 1 || maxContainers > 1000)) {
            problems.add(new Problem("maxContainers", Integer.toString(maxContainers),
                    "maxContainers must be in 1..1000, or -1 for unbounded"));
        } else if (maxContainers != ServerSpec.UNBOUNDED && maxContainers < minContainers) {
            problems.add(new Problem("maxContainers", Integer.toString(maxContainers),
                    "maxContainers must be at least minContainers (" + minContainers + ")"));
        }
        range(problems, "bufferContainers", bufferContainers, 0, 1000);
        range(problems, "scaleupWindow", scaleupWindow, 0, 3600);
        range(problems, "scaledownWindow", scaledownWindow, 1, 86400);
        return problems;
    }

    private static void range(List<Problem> problems, String setting, int value, int min, int max) {
        if (value < min || value > max) {
            problems.add(new Problem(setting, Integer.toString(value), setting + " must be in " + min + ".." + max));
        }
    }

    /** The upper bound, with unbounded as {@link Integer#MAX_VALUE}. */
    public int effectiveMaxContainers() {
        return maxContainers == ServerSpec.UNBOUNDED ? Integer.MAX_VALUE : maxContainers;
    }
}
