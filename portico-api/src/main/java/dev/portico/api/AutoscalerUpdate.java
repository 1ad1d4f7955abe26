package dev.portico.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A change to some of a server's autoscaler settings ({@code update_autoscaler}); null fields keep
 * their current value.
 */
public record AutoscalerUpdate(
        Double targetConcurrency,
        Integer minContainers,
        Integer maxContainers,
        Integer bufferContainers,
        Integer scaleupWindow,
        Integer scaledownWindow) {

    /** An update that changes nothing; combine with the {@code with...} methods. */
    public static AutoscalerUpdate none() {
        return new AutoscalerUpdate(null, null, null, null, null, null);
    }

    public AutoscalerUpdate withTargetConcurrency(double value) {
        return new AutoscalerUpdate(value, minContainers, maxContainers, bufferContainers, scaleupWindow, scaledownWindow);
    }

    public AutoscalerUpdate withMinContainers(int value) {
        return new AutoscalerUpdate(targetConcurrency, value, maxContainers, bufferContainers, scaleupWindow, scaledownWindow);
    }

    public AutoscalerUpdate withMaxContainers(int value) {
        return new AutoscalerUpdate(targetConcurrency, minContainers, value, bufferContainers, scaleupWindow, scaledownWindow);
    }

    public AutoscalerUpdate withBufferContainers(int value) {
        return new AutoscalerUpdate(targetConcurrency, minContainers, maxContainers, value, scaleupWindow, scaledownWindow);
    }

    public AutoscalerUpdate withScaleupWindow(int seconds) {
        return new AutoscalerUpdate(targetConcurrency, minContainers, maxContainers, bufferContainers, seconds, scaledownWindow);
    }

    public AutoscalerUpdate withScaledownWindow(int seconds) {
        return new AutoscalerUpdate(targetConcurrency, minContainers, maxContainers, bufferContainers, scaleupWindow, seconds);
    }

    /** The current settings with this update's values applied. */
    public AutoscalerSettings applyTo(AutoscalerSettings current) {
        return new AutoscalerSettings(
                targetConcurrency != null ? targetConcurrency : current.targetConcurrency(),
                minContainers != null ? minContainers : current.minContainers(),
                maxContainers != null ? maxContainers : current.maxContainers(),
                bufferContainers != null ? bufferContainers : current.bufferContainers(),
                scaleupWindow != null ? scaleupWindow : current.scaleupWindow(),
                scaledownWindow != null ? scaledownWindow : current.scaledownWindow());
    }
}
