package dev.portico;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs once when a container starts, before it is ready. A {@link Server} class needs at least one.
 * The method takes no arguments; it typically launches the process that listens on the server's
 * port. The container becomes ready when that port accepts TCP connections.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Enter {
}
