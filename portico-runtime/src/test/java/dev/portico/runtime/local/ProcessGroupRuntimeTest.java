package dev.portico.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.runtime.RunningContainer;
import java.nio.file.Files;

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
    }
}
