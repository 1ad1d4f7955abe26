package dev.portico.cli;

import dev.portico.client.PorticoException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code portico}: the command line of DESIGN.md §7. */
@Command(name = "portico", mixinStandardHelpOptions = true, version = "portico 0.1.0",
        description = "Self-hosted serverless platform for processes that speak HTTP.",
        subcommands = {
            UpCommand.class, DeployCommand.class, AppCommand.class, ServerCommand.class,
            ContainerListCommand.Group.class, LogsCommand.class, EnvCommand.class, TokenCommand.class,
            RbacCommand.class, SecretCommand.class, VolumeCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; returns its exit status. */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    if (e instanceof PorticoException || e instanceof UncheckedIOException
                            || e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
                        commandLine.getErr().println("portico: " + e.getMessage());
                        return 1;
                    }
                    throw e;
                })
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
