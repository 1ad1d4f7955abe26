package dev.portico.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.runtime.RunningContainer;
import dev.portico.runtime.VolumeMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The local runtime without isolation: process sessions on loopback. */
class ProcessGroupRuntimeTest extends LocalRuntimeContractTest {

    @Override
    Isolation isolation() {
        return Isolation.NONE;
    }

    @Override
    String bindAddress() {
        return "127.0.0.1";
    }

    @Override
    void assertNothingLeftOf(RunningContainer container) {
        assertThat(Files.exists(stateDir.resolve("containers/" + container.id() + ".pid"))).isFalse();
        assertThat(ProcFs.sessionMembers(container.pid())).isEmpty();
        assertThat(CgroupTesting.instanceDirs(stateDir)).allSatisfy(dir -> assertThat(dir.resolve(container.id())).doesNotExist());
    }

    @Test
    void volumesArePassedAsVariablesNamingTheHostDirectory() throws Exception {
        Path shared = Files.createDirectories(stateDir.resolve("volumes/shared"));
        List<VolumeMount> mounts = List.of(new VolumeMount(shared, "/data/cache"));
        RunningContainer writer = runtime.launch(launch("writer",
                List.of("sh", "-c", "echo hello > \"$PORTICO_VOLUME_DATA_CACHE/x\"")).withMounts(mounts));
        writer.whenExited().get(10, TimeUnit.SECONDS);

        RunningContainer reader = runtime.launch(launch("reader",
                List.of("sh", "-c", "cat \"$PORTICO_VOLUME_DATA_CACHE/x\"; echo \"$PORTICO_VOLUME_DATA_CACHE\"")).withMounts(mounts));
        reader.whenExited().get(10, TimeUnit.SECONDS);

        assertThat(Files.readAllLines(logOf("reader"))).containsExactly("hello", shared.toString());
        assertThat(Files.readString(shared.resolve("x"))).isEqualTo("hello\n");
    }
}
