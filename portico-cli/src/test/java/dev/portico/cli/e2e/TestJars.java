package dev.portico.cli.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds deployable jars from Java source at test time, compiled against the SDK like a user's
 * project would be: each test deploys servers that are not the bundled example.
 */
final class TestJars {

    private TestJars() {}

    /** Compiles the sources (class name to source text) and packs the classes into a jar. */
    static Path build(Path directory, String name, Map<String, String> sources) {
        try {
            Path src = Files.createDirectories(directory.resolve(name + "-src"));
            Path classes = Files.createDirectories(directory.resolve(name + "-classes"));
            List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-cp", sdk().toString(),
                    "--release", "25", "-proc:none"));
            for (Map.Entry<String, String> source : sources.entrySet()) {
                Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, source.getValue());
                arguments.add(file.toString());
            }
            JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
            if (compiler.run(null, null, null, arguments.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("test sources do not compile: " + sources.keySet());
            }
            Path jar = directory.resolve(name + ".jar");
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    zip.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    zip.write(Files.readAllBytes(file));
                    zip.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SDK's classes, as the platform finds them. */
    static Path sdk() {
        try {
            return Path.of(dev.portico.Server.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
