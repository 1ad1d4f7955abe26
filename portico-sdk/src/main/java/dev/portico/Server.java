package dev.portico;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as a Portico server: a container whose {@link Enter} methods launch a process that
 * listens on {@link #port()}.
 *
 * <p>The control plane reads this annotation from the class file at deploy time without loading or
 * initializing the class, so no user code runs during a deploy. Values are validated then; a bad
 * value is rejected with a message naming the class, the attribute and the allowed range.
 *
 * <p>Sentinels: numeric attributes documented as "unset" use {@code 0} (or {@code -1} for
 * {@link #maxContainers()}), string attributes use the empty string.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Server {
    /** Server name in URLs and the CLI; defaults to the class's simple name, lower-cased. */
    String name() default "";

    /** Port the process listens on inside the container, 1–65535. */
    int port() default 8000;

    /** When false the proxy requires {@code Modal-Key}/{@code Modal-Secret}. */
    boolean unauthenticated() default false;

    /** Seconds until the port must accept connections, 1–3600. */
    int startupTimeout() default 30;

    /** Seconds in-flight requests may finish once the container stops receiving new ones, 0–3600. */
    int exitGracePeriod() default 0;

    /** Soft per-container concurrency target; 0 means no load-based scaling. */
    double targetConcurrency() default 0;

    /** Containers kept running even when idle. */
    int minContainers() default 0;

    /** Upper bound on containers; -1 means unbounded. */
    int maxContainers() default -1;

    /** Extra idle containers kept while there is load. */
    int bufferContainers() default 0;

    /** Seconds of sustained demand before scaling up; 0 means scale up at once. */
    int scaleupWindow() default 0;

    /** Seconds a surplus container may stay idle before it is scaled down, 1–86400. */
    int scaledownWindow() default 60;

    /** Proxy region: {@code us-east}, {@code us-west}, {@code eu-west} or {@code ap-south}. */
    String routingRegion() default "us-east";

    /** Constrains container placement to nodes of this region; empty means anywhere. */
    String computeRegion() default "";

    /** CPU request in cores. */
    double cpu() default 0.125;

    /** CPU burst limit in cores; 0 means none. */
    double cpuLimit() default 0;

    /** Memory request in MiB. */
    int memory() default 128;

    /** Memory limit in MiB; 0 means none. */
    int memoryLimit() default 0;

    /** GPU request such as {@code "H100"}, {@code "A10G:2"} or {@code "any"}; empty means none. */
    String gpu() default "";

    /** Named secrets whose keys become environment variables. */
    String[] secrets() default {};

    /** Named volumes as {@code "name:/mount/path"}. */
    String[] volumes() default {};

    /** Extra environment as {@code "KEY=VALUE"}. */
    String[] env() default {};

    /** Container image; empty means the host's file system. */
    String image() default "";

    /** Restore new containers from a snapshot taken after startup. */
    boolean enableMemorySnapshot() default false;
}
