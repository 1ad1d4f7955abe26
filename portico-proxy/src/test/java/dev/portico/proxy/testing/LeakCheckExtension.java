package dev.portico.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test (service loader + extension autodetection): after each test, collects
 * garbage, makes Netty look for leaked buffers, and fails the test if any was found.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterEachCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=paranoid");
        }
        allocateAndRelease(); // creates the ByteBuf leak detector, so that installed() means something
        if (!FailingLeakDetector.installed()) {
            throw new IllegalStateException(
                    "tests must run with -Dio.netty.customResourceLeakDetector=" + FailingLeakDetector.class.getName());
        }
        FailingLeakDetector.drain();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            allocateAndRelease(); // in paranoid mode every allocation reports what the GC found
            leaks.addAll(FailingLeakDetector.drain());
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) after "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    private static void allocateAndRelease() {
        ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        a.release();
        b.release();
    }
}
