package dev.portico.api;

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

    /** The upper bound, with unbounded as {@link Integer#MAX_VALUE}. */
    public int effectiveMaxContainers() {
        return maxContainers == ServerSpec.UNBOUNDED ? Integer.MAX_VALUE : maxContainers;
    }
}
