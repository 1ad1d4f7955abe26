package dev.portico.internal;

import dev.portico.Enter;
import dev.portico.Exit;
import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The first process of every container: runs the server class's {@link Enter} methods, keeps the
 * container alive while what they started runs, and on SIGTERM runs the {@link Exit} methods and
 * then ends the remaining child processes.
 *
 * <p>Usage: {@code java -cp portico-sdk.jar:app.jar dev.portico.internal.ContainerMain CLASS}.
 *
 * <p>The container lives as long as this process. It exits on its own when
 * <ul>
 *   <li>an {@code @Enter} method throws (status 1: the container failed to start), or
 *   <li>every process that the {@code @Enter} methods started has exited (status 1: nothing is left
 *       to serve, so the platform replaces the container). A server whose {@code @Enter} starts no
 *       process (one serving from threads of this JVM) is kept alive until SIGTERM.
 * </ul>
 *
 * <p>This class runs in every container, so it stays small and loads little: start-up time before
 * the first {@code @Enter} runs is part of every cold start.
 */
public final class ContainerMain {

    /** Exit handlers and child processes together get this long, within the platform's 30 s. */
    private static final Duration STOP_BUDGET = Duration.ofSeconds(25);

    private ContainerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ContainerMain SERVER_CLASS");
            System.exit(2);
        }
        Class<?> serverClass = Class.forName(args[0], true, ContainerMain.class.getClassLoader());
        Object server = instantiate(serverClass);
        List<Method> enters = annotated(serverClass, Enter.class);
        List<Method> exits = annotated(serverClass, Exit.class);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, exits), "portico-exit"));

        for (Method enter : enters) {
            try {
                enter.invoke(server);
            } catch (InvocationTargetException e) {
                System.err.println("portico: @Enter method " + enter.getName() + " failed");
                e.getCause().printStackTrace();
                System.exit(1);
            }
        }
        List<ProcessHandle> started = ProcessHandle.current().children().toList();
        if (started.isEmpty()) {
            Thread.currentThread().join();
        }
        CompletableFuture.allOf(started.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new)).join();
        System.err.println("portico: every process started by @Enter has exited; ending the container");
        System.exit(1);
    }

    private static Object instantiate(Class<?> serverClass) throws ReflectiveOperationException {
        Constructor<?> constructor = serverClass.getDeclaredConstructor();
        constructor.setAccessible(true);
        return constructor.newInstance();
    }

    /** Methods with the annotation, superclass methods first, each class's in declaration order. */
    private static List<Method> annotated(Class<?> type, Class<? extends Annotation> annotation) {
        List<Method> methods = new ArrayList<>();
        if (type.getSuperclass() != null && type.getSuperclass() != Object.class) {
            methods.addAll(annotated(type.getSuperclass(), annotation));
        }
        for (Method method : type.getDeclaredMethods()) {
            if (method.isAnnotationPresent(annotation)) {
                method.setAccessible(true);
                methods.add(method);
            }
        }
        return methods;
    }

    /** Runs on SIGTERM (and on any exit): exit handlers first, then the process tree. */
    private static void stop(Object server, List<Method> exits) {
        long deadline = System.nanoTime() + STOP_BUDGET.toNanos();
        for (Method exit : exits) {
            try {
                exit.invoke(server);
            } catch (InvocationTargetException e) {
                System.err.println("portico: @Exit method " + exit.getName() + " failed");
                e.getCause().printStackTrace();
            } catch (IllegalAccessException e) {
                e.printStackTrace();
            }
        }
        List<ProcessHandle> descendants = ProcessHandle.current().descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        for (ProcessHandle process : descendants) {
            long left = deadline - System.nanoTime();
            try {
                process.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (Exception timedOutOrInterrupted) {
                process.destroyForcibly();
            }
        }
        System.out.flush();
        System.err.flush();
    }
}
