package dev.portico.proxy.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Watches, while a transfer runs, the memory in which the proxy could hold a body, to show that it streams
 * it. The proxy and the test share one JVM, hence two measures, each as growth over its value before:
 * <ul>
 *   <li>buffer memory, precisely: what Netty's default allocator holds, direct and heap, sampled every
 *       millisecond. The proxy sets no other allocator, and the test's own sockets are plain Java ones, so
 *       this is the proxy's. The allocator keeps the chunks it takes and reuses them: what it holds grows
 *       only when the proxy needs more buffer memory at once than before, by a body's size if it
 *       aggregated one.
 *   <li>heap, loosely: the live heap after a full collection forced at a quarter, a half and three quarters
 *       of the transfer. Garbage (plenty, from the test's own streams) is gone, and what is left is what
 *       proxy and test hold at that moment; a body held as {@code byte[]} or heap buffers would show.
 * </ul>
 */
public final class MemoryWatch implements AutoCloseable {

    /**
     * Peaks, in bytes: of the buffer memory held ({@code bufferBytesHeld}), and the growth of both measures
     * over their values before the transfer; and how many heap samples were taken.
     */
    public record Peak(long bufferBytesHeld, long bufferBytes, long liveHeapBytes, int heapSamples) {
        @Override
        public String toString() {
            return String.format("buffer memory held %.1f MiB at most (+%.1f MiB), live heap +%.1f MiB (%d samples)",
                    bufferBytesHeld / 1048576.0, bufferBytes / 1048576.0, liveHeapBytes / 1048576.0, heapSamples);
        }
    }

    private static final long SAMPLE_NANOS = 1_000_000;

    private final ByteBufAllocatorMetric buffers;
    private final MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
    private final LongSupplier progress;
    private final long total;
    private final long buffersBefore;
    private final long heapBefore;
    private final Thread sampler;
    private volatile boolean stopped;
    private long maxBuffers;
    private long maxHeap;
    private int heapSamples;

    private MemoryWatch(LongSupplier progress, long total) {
        if (!(ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider)) {
            throw new IllegalStateException("no metrics from " + ByteBufAllocator.DEFAULT.getClass());
        }
        this.buffers = provider.metric();
        this.progress = progress;
        this.total = total;
        System.gc();
        buffersBefore = heldBuffers();
        heapBefore = heap.getHeapMemoryUsage().getUsed();
        maxBuffers = buffersBefore;
        maxHeap = heapBefore;
        sampler = Thread.ofPlatform().name("memory-watch").daemon().start(this::sample);
    }

    /**
     * Starts watching a transfer of {@code total} bytes, whose bytes done so far {@code progress} tells
     * (to place the heap samples).
     */
    public static MemoryWatch start(LongSupplier progress, long total) {
        return new MemoryWatch(progress, total);
    }

    private void sample() {
        int quarter = 1;
        while (!stopped) {
            maxBuffers = Math.max(maxBuffers, heldBuffers());
            long done = progress.getAsLong();
            if (quarter < 4 && done >= total * quarter / 4 && done < total) {
                System.gc();
                maxHeap = Math.max(maxHeap, heap.getHeapMemoryUsage().getUsed());
                heapSamples++;
                while (quarter < 4 && done >= total * quarter / 4) {
                    quarter++;
                }
            }
            LockSupport.parkNanos(SAMPLE_NANOS);
        }
    }

    private long heldBuffers() {
        return buffers.usedDirectMemory() + buffers.usedHeapMemory();
    }

    /** Stops watching; the peaks seen. */
    public Peak stop() throws InterruptedException {
        close();
        return new Peak(maxBuffers, maxBuffers - buffersBefore, maxHeap - heapBefore, heapSamples);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        sampler.join();
        maxBuffers = Math.max(maxBuffers, heldBuffers());
    }
}
