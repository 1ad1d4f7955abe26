package dev.portico.runtime;

import java.util.Objects;

/**
 * One GPU of a node.
 *
 * @param index what {@code CUDA_VISIBLE_DEVICES} takes to select it, such as {@code "0"}
 * @param model short model name, such as {@code "H100"} or {@code "A10G"}
 */
public record Gpu(String index, String model) {
    public Gpu {
        Objects.requireNonNull(index, "index");
        Objects.requireNonNull(model, "model");
        if (index.isBlank() || model.isBlank()) {
            throw new IllegalArgumentException("GPU index and model must not be blank");
        }
    }
}
