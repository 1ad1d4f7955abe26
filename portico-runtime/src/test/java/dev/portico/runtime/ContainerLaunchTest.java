package dev.portico.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation and defaults of what a launch carries. */
class ContainerLaunchTest {

    private static final Path LOG = Path.of("/tmp/ct.log");

    @Test
    void theOriginalConstructorMeansNoResourcesAndNoVolumes() {
        ContainerLaunch launch = new ContainerLaunch("ct-1", List.of("true"), Map.of(), 8000, LOG);

        assertThat(launch.resources()).isEqualTo(Resources.NONE);
        assertThat(launch.resources().constrains()).isFalse();
        assertThat(launch.mounts()).isEmpty();
    }

    @Test
    void volumeVariablesAreTheUpperCasedPathWithUnderscores() {
        assertThat(new VolumeMount(Path.of("/srv/v"), "/data/cache").environmentVariable())
                .isEqualTo("PORTICO_VOLUME_DATA_CACHE");
        assertThat(new VolumeMount(Path.of("/srv/v"), "/my-data.v2").environmentVariable())
                .isEqualTo("PORTICO_VOLUME_MY_DATA_V2");
    }

    @Test
    void badVolumePathsAreRejected() {
        for (String path : List.of("data", "/", "/data/", "/data/../etc", "/a//b")) {
            assertThatThrownBy(() -> new VolumeMount(Path.of("/srv/v"), path))
                    .as(path)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("container path");
        }
    }

    @Test
    void volumesMustNotClash() {
        ContainerLaunch launch = new ContainerLaunch("ct-1", List.of("true"), Map.of(), 8000, LOG);
        VolumeMount data = new VolumeMount(Path.of("/srv/a"), "/data");

        assertThatThrownBy(() -> launch.withMounts(List.of(data, new VolumeMount(Path.of("/srv/b"), "/data"))))
                .hasMessageContaining("two volumes are mounted at /data");
        assertThatThrownBy(() -> launch.withMounts(List.of(data, new VolumeMount(Path.of("/srv/b"), "/data/x"))))
                .hasMessageContaining("inside another volume's path");
        assertThatThrownBy(() -> launch.withMounts(List.of(
                        new VolumeMount(Path.of("/srv/a"), "/a-b"), new VolumeMount(Path.of("/srv/b"), "/a_b"))))
                .hasMessageContaining("PORTICO_VOLUME_A_B");
        assertThat(launch.withMounts(List.of(data, new VolumeMount(Path.of("/srv/b"), "/database"))).mounts()).hasSize(2);
    }

    @Test
    void badResourcesAreRejected() {
        assertThatThrownBy(() -> Resources.of(-1, 0, 0, 0)).hasMessageContaining("cpu");
        assertThatThrownBy(() -> Resources.of(Double.NaN, 0, 0, 0)).hasMessageContaining("cpu");
        assertThatThrownBy(() -> Resources.of(1, 0.5, 0, 0)).hasMessageContaining("below the cpu request");
        assertThatThrownBy(() -> Resources.of(0, 0, 256, 128)).hasMessageContaining("below the memory request");
        assertThatThrownBy(() -> Resources.of(0, 0, -1, 0)).hasMessageContaining("negative");
        assertThatThrownBy(() -> Resources.NONE.withGpuDevices(List.of("0,1"))).hasMessageContaining("GPU device");
        assertThatThrownBy(() -> Resources.NONE.withGpuDevices(List.of("0", "0"))).hasMessageContaining("twice");
        assertThat(Resources.of(0.125, 0, 128, 0).constrains()).isTrue();
    }
}
