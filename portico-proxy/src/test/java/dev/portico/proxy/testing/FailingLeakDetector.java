package dev.portico.proxy.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Installed for every test JVM by the surefire configuration ({@code io.netty.customResourceLeakDetector},
 * with {@code io.netty.leakDetection.level=paranoid}): records every leak Netty detects so that
 * {@link LeakCheckExtension} fails the test.
 */
public final class FailingLeakDetector<T> extends ResourceLeakDetector<T> {

    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;

    public FailingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        installed = true;
    }

    public FailingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add("LEAK of " + resourceType + ":" + records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add("LEAK of " + resourceType + " (untraced)");
    }

    static boolean installed() {
        return installed;
    }

    static List<String> drain() {
        List<String> out = new ArrayList<>();
        String leak;
        while ((leak = LEAKS.poll()) != null) {
            out.add(leak);
        }
        return out;
    }
}
