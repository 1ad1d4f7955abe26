package dev.portico.control.fleet;

import dev.portico.api.ServerSpec;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.NodeInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a container fits its node: the compute region, the CPU and memory its server requests
 * against what running containers already hold, and free GPUs of the requested kind (never one GPU
 * for two containers). A pure function of its inputs.
 */
final class Placement {

    private Placement() {}

    /** What a placed container holds of the node until its process is gone. */
    record Claim(double cpu, int memoryMiB, List<String> gpus) {
        Claim {
            gpus = List.copyOf(gpus);
        }
    }

    /** The outcome: placed with a claim, or waiting with the reason. */
    sealed interface Outcome {
        record Placed(Claim claim) implements Outcome {}

        record Waiting(String reason) implements Outcome {}
    }

    static Outcome place(ServerSpec spec, NodeInfo node, Collection<Claim> claimed) {
        if (!spec.computeRegion().isEmpty() && !spec.computeRegion().equals(node.region())) {
            return new Outcome.Waiting("no node in compute region " + spec.computeRegion()
                    + " (this node's region: " + (node.region() == null ? "none" : node.region()) + ")");
        }
        double cpuUsed = claimed.stream().mapToDouble(Claim::cpu).sum();
        if (cpuUsed + spec.cpu() > node.cpuCores() + 1e-9) {
            return new Outcome.Waiting(String.format(Locale.ROOT,
                    "not enough CPU: needs %.3f cores, %.3f of %.3f are requested by other containers",
                    spec.cpu(), cpuUsed, node.cpuCores()));
        }
        long memoryUsed = claimed.stream().mapToLong(Claim::memoryMiB).sum();
        if (memoryUsed + spec.memory() > node.memoryMiB()) {
            return new Outcome.Waiting("not enough memory: needs " + spec.memory() + " MiB, " + memoryUsed + " of "
                    + node.memoryMiB() + " MiB are requested by other containers");
        }
        List<String> gpus = List.of();
        if (!spec.gpu().isEmpty()) {
            String model = spec.gpu().contains(":") ? spec.gpu().substring(0, spec.gpu().indexOf(':')) : spec.gpu();
            int count = spec.gpu().contains(":") ? Integer.parseInt(spec.gpu().substring(spec.gpu().indexOf(':') + 1)) : 1;
            Set<String> taken = new HashSet<>();
            claimed.forEach(c -> taken.addAll(c.gpus()));
            List<Gpu> matching = node.gpus().stream()
                    .filter(g -> model.equals("any") || g.model().equalsIgnoreCase(model))
                    .toList();
            List<String> free = new ArrayList<>();
            for (Gpu gpu : matching) {
                if (!taken.contains(gpu.index())) {
                    free.add(gpu.index());
                }
            }
            String kind = model.equals("any") ? "GPU" : model + " GPU";
            if (matching.size() < count) {
                return new Outcome.Waiting("needs " + count + " " + kind + (count > 1 ? "s" : "") + "; this node has "
                        + matching.size());
            }
            if (free.size() < count) {
                return new Outcome.Waiting("waiting for a free " + kind + ": " + (matching.size() - free.size())
                        + " of " + matching.size() + " in use");
            }
            gpus = free.subList(0, count);
        }
        return new Outcome.Placed(new Claim(spec.cpu(), spec.memory(), gpus));
    }
}
