package dev.portico.cli.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A small tmpfs mounted for one test, so that the test can fill "the disk" without touching the
 * host's: the end-to-end tests run as root (they need namespaces too). Unmounted on close.
 */
final class TmpfsMount implements AutoCloseable {

    private final Path path;

    private TmpfsMount(Path path) {
        this.path = path;
    }

    static TmpfsMount mount(Path path, int megabytes) throws IOException, InterruptedException {
        Files.createDirectories(path);
        run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m,mode=0700", "portico-test", path.toString());
        return new TmpfsMount(path);
    }

    Path path() {
        return path;
    }

    /** Writes a file until the disk is full; deleting it frees the space again. */
    Path fill() throws IOException {
        Path filler = path.resolve("filler");
        ByteBuffer block = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                block.clear();
                channel.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
        return filler;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("umount", "--lazy", path.toString());
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
    }
}
