package dev.portico.control.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.api.ContainerState;
import dev.portico.api.ServerSpec;
import dev.portico.control.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store against a real SQLite file: what is written survives closing and reopening it. */
class StoreTest {

    @TempDir
    Path dir;

    private Store open() {
        return Store.open(dir.resolve("state.db"), ControlPlane.json(), Clock.systemUTC());
    }

    @Test
    void versionsAndContainersSurviveAReopen() {
        ServerSpec spec = ServerSpec.defaults("com.example.Hello");
        try (Store store = open()) {
            store.putArtifact("abc", 10);
            int first = store.insertVersion("main", "hello", "abc", "rolling", List.of(spec));
            store.activate(store.app("main", "hello").orElseThrow().id(), first);
            int second = store.insertVersion("main", "hello", "abc", "rolling", List.of(spec));
            long appId = store.app("main", "hello").orElseThrow().id();
            store.failVersion(appId, second, "container ct-1: not listening");
            store.insertContainer("ct-1", appId, second, "hello");
            store.updateContainer("ct-1", ContainerState.FAILED, "10.0.0.2:8000", "not listening");
            assertThat(first).isEqualTo(1);
            assertThat(second).isEqualTo(2);
        }
        try (Store store = open()) {
            AppRecord app = store.app("main", "hello").orElseThrow();
            assertThat(app.activeVersion()).isEqualTo(1);
            assertThat(store.versions(app.id())).extracting(VersionRecord::status)
                    .containsExactly(VersionStatus.ACTIVE, VersionStatus.FAILED);
            assertThat(store.versions(app.id()).get(1).reason()).contains("not listening");
            assertThat(store.servers(app.id(), 1)).containsEntry("hello", spec);
            assertThat(store.containers(app.id(), "hello")).singleElement().satisfies(c -> {
                assertThat(c.state()).isEqualTo(ContainerState.FAILED);
                assertThat(c.address()).isEqualTo("10.0.0.2:8000");
            });
            assertThat(store.unfinishedContainers()).isEmpty();
        }
    }

    @Test
    void activatingSupersedesThePreviousVersion() {
        try (Store store = open()) {
            store.putArtifact("abc", 10);
            ServerSpec spec = ServerSpec.defaults("com.example.Hello");
            store.insertVersion("main", "hello", "abc", "rolling", List.of(spec));
            store.insertVersion("main", "hello", "abc", "rolling", List.of(spec));
            long appId = store.app("main", "hello").orElseThrow().id();
            store.activate(appId, 1);
            store.activate(appId, 2);
            assertThat(store.versions(appId)).extracting(VersionRecord::status)
                    .containsExactly(VersionStatus.SUPERSEDED, VersionStatus.ACTIVE);
        }
    }

    @Test
    void aStoreThatCannotBeOpenedSaysWhere() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> Store.open(notADirectory.resolve("state.db"), ControlPlane.json(), Clock.systemUTC()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot open the store at");
    }
}
