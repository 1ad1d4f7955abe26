package dev.portico.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSpecTest {

    private static ServerSpec with(String attribute, Object value) {
        ServerSpec d = ServerSpec.defaults("com.example.Hello");
        return new ServerSpec(d.className(), d.name(),
                attribute.equals("port") ? (int) value : d.port(), d.unauthenticated(),
                attribute.equals("startupTimeout") ? (int) value : d.startupTimeout(),
                attribute.equals("exitGracePeriod") ? (int) value : d.exitGracePeriod(),
                attribute.equals("targetConcurrency") ? (double) value : d.targetConcurrency(),
                attribute.equals("minContainers") ? (int) value : d.minContainers(),
                attribute.equals("maxContainers") ? (int) value : d.maxContainers(),
                d.bufferContainers(), d.scaleupWindow(), d.scaledownWindow(),
                attribute.equals("routingRegion") ? (String) value : d.routingRegion(),
                d.computeRegion(), d.cpu(), d.cpuLimit(), d.memory(), d.memoryLimit(),
                attribute.equals("gpu") ? (String) value : d.gpu(), d.secrets(),
                attribute.equals("volumes") ? List.of((String) value) : d.volumes(),
                attribute.equals("env") ? List.of((String) value) : d.env(), d.image(), d.enableMemorySnapshot());
    }

    @Test
    void defaultsAreValidAndNamedAfterTheClass() {
        ServerSpec spec = ServerSpec.defaults("com.example.Hello");
        assertThat(spec.name()).isEqualTo("hello");
        assertThat(spec.port()).isEqualTo(8000);
        assertThat(spec.routingRegion()).isEqualTo("us-east");
        assertThat(spec.problems()).isEmpty();
    }

    @Test
    void eachBadValueIsNamedWithClassAttributeAndRange() {
        assertThat(with("port", 0).problems())
                .containsExactly("com.example.Hello: @Server(port = 0): port must be in 1..65535");
        assertThat(with("port", 70000).problems()).singleElement().asString().contains("1..65535");
        assertThat(with("exitGracePeriod", 3601).problems()).singleElement().asString()
                .contains("@Server(exitGracePeriod = 3601)").contains("0..3600");
        assertThat(with("targetConcurrency", -1.0).problems()).singleElement().asString()
                .contains("targetConcurrency");
        assertThat(with("maxContainers", 0).problems()).singleElement().asString().contains("maxContainers");
        assertThat(with("routingRegion", "mars").problems()).singleElement().asString()
                .contains("routingRegion must be one of [us-east, us-west, eu-west, ap-south]");
        assertThat(with("gpu", "H100:9").problems()).singleElement().asString().contains("gpu");
        assertThat(with("volumes", "data").problems()).singleElement().asString().contains("name:/absolute/mount/path");
        assertThat(with("env", "1X=2").problems()).singleElement().asString().contains("KEY=VALUE");
        assertThat(with("startupTimeout", 0).problems()).singleElement().asString().contains("1..3600");
    }

    @Test
    void namesFollowTheUrlRules() {
        assertThat(Names.problem("app name", "shop")).isEmpty();
        assertThat(Names.problem("app name", "bad--name")).get().asString().contains("must not contain '--'");
        assertThat(Names.problem("app name", "Shop")).get().asString().contains("lower-case");
        assertThat(Names.problem("app name", "-shop")).isPresent();
        assertThat(Names.labelProblem("main", "a".repeat(40), "b".repeat(20))).get().asString()
                .contains("must fit 63");
        assertThat(Names.hostLabel("main", "hello", "hello")).isEqualTo("main--hello--hello");
    }
}
