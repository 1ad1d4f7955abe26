package dev.portico.control.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.api.ServerSpec;
import dev.portico.control.fleet.Placement.Claim;
import dev.portico.control.fleet.Placement.Outcome;
import dev.portico.runtime.Gpu;
import dev.portico.runtime.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static final NodeInfo NODE = new NodeInfo("node", 2, 1024,
            List.of(new Gpu("0", "H100"), new Gpu("1", "H100")), "eu-west");

    private static ServerSpec spec(double cpu, int memory, String gpu, String computeRegion) {
        ServerSpec d = ServerSpec.defaults("test.Web");
        return new ServerSpec(d.className(), d.name(), d.port(), d.unauthenticated(), d.startupTimeout(),
                d.exitGracePeriod(), d.targetConcurrency(), d.minContainers(), d.maxContainers(), d.bufferContainers(),
                d.scaleupWindow(), d.scaledownWindow(), d.routingRegion(), computeRegion, cpu, d.cpuLimit(), memory,
                d.memoryLimit(), gpu, d.secrets(), d.volumes(), d.env(), d.image(), d.enableMemorySnapshot());
    }

    @Test
    void threeGpuContainersOnTwoGpus() {
        List<Claim> claimed = new ArrayList<>();
        List<String> assigned = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Outcome outcome = Placement.place(spec(0.1, 64, "H100", ""), NODE, claimed);
            assertThat(outcome).isInstanceOf(Outcome.Placed.class);
            Claim claim = ((Outcome.Placed) outcome).claim();
            claimed.add(claim);
            assigned.addAll(claim.gpus());
        }
        assertThat(assigned).containsExactlyInAnyOrder("0", "1");
        assertThat(Placement.place(spec(0.1, 64, "H100", ""), NODE, claimed))
                .isEqualTo(new Outcome.Waiting("waiting for a free H100 GPU: 2 of 2 in use"));
    }

    @Test
    void gpuKindsAndCounts() {
        assertThat(Placement.place(spec(0.1, 64, "A10G", ""), NODE, List.of()))
                .isEqualTo(new Outcome.Waiting("needs 1 A10G GPU; this node has 0"));
        assertThat(Placement.place(spec(0.1, 64, "any", ""), NODE, List.of())).isInstanceOf(Outcome.Placed.class);
        assertThat(((Outcome.Placed) Placement.place(spec(0.1, 64, "h100:2", ""), NODE, List.of())).claim().gpus())
                .containsExactly("0", "1");
    }

    @Test
    void cpuMemoryAndRegion() {
        List<Claim> claimed = List.of(new Claim(1.5, 900, List.of()));
        assertThat(Placement.place(spec(1, 64, "", ""), NODE, claimed)).isInstanceOf(Outcome.Waiting.class)
                .asString().contains("not enough CPU");
        assertThat(Placement.place(spec(0.25, 200, "", ""), NODE, claimed)).isInstanceOf(Outcome.Waiting.class)
                .asString().contains("not enough memory");
        assertThat(Placement.place(spec(0.25, 64, "", "us-west"), NODE, List.of()))
                .isEqualTo(new Outcome.Waiting("no node in compute region us-west (this node's region: eu-west)"));
        assertThat(Placement.place(spec(0.25, 64, "", "eu-west"), NODE, claimed)).isInstanceOf(Outcome.Placed.class);
    }
}
