package dev.portico.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portico.runtime.Gpu;
import dev.portico.runtime.NodeInfo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the local runtime says about its node, and how it reads {@code nvidia-smi -L}. */
class LocalRuntimeNodeTest {

    @TempDir
    Path stateDir;

    private NodeInfo nodeOf(LocalRuntimeConfig config) {
        try (LocalRuntime runtime = LocalRuntime.create(config)) {
            return runtime.node();
        }
    }

    private LocalRuntimeConfig config() {
        return new LocalRuntimeConfig(stateDir, Isolation.NONE, LocalRuntimeConfig.DEFAULT_ADDRESS_POOL);
    }

    @Test
    void theNodeHasTheConfiguredGpusAndRegionAndThisHostsCoresAndMemory() {
        List<Gpu> gpus = List.of(new Gpu("0", "H100"), new Gpu("1", "H100"));

        NodeInfo node = nodeOf(config().withRegion("eu-west").withGpus(gpus));

        assertThat(node.gpus()).isEqualTo(gpus);
        assertThat(node.region()).isEqualTo("eu-west");
        assertThat(node.cpuCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(node.memoryMiB()).isPositive();
        assertThat(node.name()).isNotBlank();
    }

    @Test
    void anEmptyInventoryMeansNoGpusAndNoRegionIsNull() {
        NodeInfo node = nodeOf(config().withGpus(List.of()));

        assertThat(node.gpus()).isEmpty();
        assertThat(node.region()).isNull();
    }

    @Test
    void withoutAnInventoryOrNvidiaSmiThereAreNoGpus() {
        assumeTrue(Executables.findTool("nvidia-smi").isEmpty(), "nvidia-smi exists here");

        assertThat(nodeOf(LocalRuntimeConfig.of(stateDir)).gpus()).isEmpty();
    }

    @Test
    void nvidiaSmiListIsParsedIntoIndicesAndShortModels() {
        String output = """
                GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-5d5bc6a8-2f1e-9f7a-0a3c-1d2b3c4d5e6f)
                GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d)
                  MIG 1g.10gb     Device  0: (UUID: MIG-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d)
                GPU 2: NVIDIA A10G (UUID: GPU-11111111-2222-3333-4444-555555555555)
                GPU 3: Tesla T4 (UUID: GPU-66666666-7777-8888-9999-000000000000)
                GPU 4: NVIDIA RTX A6000 (UUID: GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)
                GPU 5: NVIDIA L40S (UUID: GPU-ffffffff-0000-1111-2222-333333333333)

                """;

        assertThat(NodeResources.parseNvidiaSmiList(output)).containsExactly(
                new Gpu("0", "H100"), new Gpu("1", "A100"), new Gpu("2", "A10G"), new Gpu("3", "T4"),
                new Gpu("4", "RTX-A6000"), new Gpu("5", "L40S"));
        assertThat(NodeResources.parseNvidiaSmiList("No devices were found\n")).isEmpty();
        assertThat(NodeResources.parseNvidiaSmiList("")).isEmpty();
    }
}
