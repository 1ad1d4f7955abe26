package dev.portico.runtime;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What a container may use of its node. Requests weigh the container against its neighbours
 * when they compete (CPU shares, memory protection); limits are hard caps. Zero means "not set"
 * for every number: no request (the kernel's default weight, no protection), no limit.
 *
 * @param cpu CPU request in cores, such as {@code 0.125}
 * @param cpuLimit CPU cap in cores (CFS quota); 0 for none
 * @param memoryMiB memory request in MiB
 * @param memoryLimitMiB memory cap in MiB; a container that exceeds it is killed by the kernel and
 *     its {@link ContainerExit#outOfMemory()} is true. 0 for none
 * @param gpuDevices devices to expose, such as {@code ["0", "1"]} (indices or {@code GPU-...}
 *     UUIDs, as {@code CUDA_VISIBLE_DEVICES} takes them); empty for none. The runtime only
 *     exposes what it is told: assigning devices to containers is its caller's job
 */
public record Resources(double cpu, double cpuLimit, int memoryMiB, int memoryLimitMiB, List<String> gpuDevices) {

    /** No requests, no limits, no GPU. */
    public static final Resources NONE = new Resources(0, 0, 0, 0, List.of());

    public Resources {
        requireCores("cpu", cpu);
        requireCores("cpuLimit", cpuLimit);
        if (cpuLimit > 0 && cpuLimit < cpu) {
            throw new IllegalArgumentException("cpuLimit " + cpuLimit + " is below the cpu request " + cpu);
        }
        if (memoryMiB < 0 || memoryLimitMiB < 0) {
            throw new IllegalArgumentException(
                    "memory must not be negative: memoryMiB " + memoryMiB + ", memoryLimitMiB " + memoryLimitMiB);
        }
        if (memoryLimitMiB > 0 && memoryLimitMiB < memoryMiB) {
            throw new IllegalArgumentException(
                    "memoryLimitMiB " + memoryLimitMiB + " is below the memory request " + memoryMiB);
        }
        gpuDevices = List.copyOf(Objects.requireNonNull(gpuDevices, "gpuDevices"));
        for (String device : gpuDevices) {
            if (!device.matches("[A-Za-z0-9-]{1,64}")) {
                throw new IllegalArgumentException("GPU device must be an index or a UUID: '" + device + "'");
            }
        }
        if (new HashSet<>(gpuDevices).size() != gpuDevices.size()) {
            throw new IllegalArgumentException("GPU devices listed twice: " + gpuDevices);
        }
    }

    /** Requests and limits without GPUs. */
    public static Resources of(double cpu, double cpuLimit, int memoryMiB, int memoryLimitMiB) {
        return new Resources(cpu, cpuLimit, memoryMiB, memoryLimitMiB, List.of());
    }

    /** This with {@code gpuDevices} exposed instead. */
    public Resources withGpuDevices(List<String> devices) {
        return new Resources(cpu, cpuLimit, memoryMiB, memoryLimitMiB, devices);
    }

    /** Whether any request or limit is set (GPUs aside). */
    public boolean constrains() {
        return cpu > 0 || cpuLimit > 0 || memoryMiB > 0 || memoryLimitMiB > 0;
    }

    private static void requireCores(String name, double cores) {
        if (!(cores >= 0) || Double.isInfinite(cores)) {
            throw new IllegalArgumentException(name + " must be a non-negative number of cores: " + cores);
        }
    }
}
