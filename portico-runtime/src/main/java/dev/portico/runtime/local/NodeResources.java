package dev.portico.runtime.local;

import dev.portico.runtime.Gpu;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What this host offers to containers: host name, memory, GPUs. */
final class NodeResources {

    private static final Logger log = LoggerFactory.getLogger(NodeResources.class);
    private static final Pattern GPU_LINE = Pattern.compile("^GPU (\\d+): (.+?)(?: \\(UUID: [^)]*\\))?\\s*$");
    /** Words in GPU names that say nothing about the model. */
    private static final Set<String> BRANDS = Set.of("NVIDIA", "TESLA", "GEFORCE", "QUADRO");
    /** Families whose model needs the next word too: "RTX A6000", "GTX 1080". */
    private static final Set<String> FAMILIES = Set.of("RTX", "GTX", "TITAN");
    private static final long NVIDIA_SMI_TIMEOUT_SECONDS = 10;

    private NodeResources() {}

    /** The host name, from the kernel; {@code "localhost"} when unknown. */
    static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException e) {
            // not Linux
        }
        return Optional.ofNullable(System.getenv("HOSTNAME")).filter(s -> !s.isBlank()).orElse("localhost");
    }

    /** Total memory in MiB: {@code MemTotal} of {@code /proc/meminfo}, else what the JVM reports. */
    static long memoryMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024; // kB
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize() / (1024 * 1024);
        }
        return 0;
    }

    /** The GPUs {@code nvidia-smi -L} lists; none when it is missing or fails. */
    static List<Gpu> detectGpus() {
        Optional<Path> nvidiaSmi = Executables.findTool("nvidia-smi");
        if (nvidiaSmi.isEmpty()) {
            return List.of();
        }
        try {
            Process process = new ProcessBuilder(nvidiaSmi.get().toString(), "-L")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            process.getOutputStream().close();
            // Its output (a line per GPU) fits in the pipe, so it can be read after the exit.
            if (!process.waitFor(NVIDIA_SMI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                log.warn("nvidia-smi -L did not answer within {} s; no GPUs", NVIDIA_SMI_TIMEOUT_SECONDS);
                return List.of();
            }
            if (process.exitValue() != 0) {
                log.warn("nvidia-smi -L failed with status {}; no GPUs", process.exitValue());
                return List.of();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<Gpu> gpus = parseNvidiaSmiList(output);
            log.info("GPUs: {}", gpus);
            return gpus;
        } catch (IOException e) {
            log.warn("cannot run nvidia-smi: {}; no GPUs", e.getMessage());
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /**
     * The GPUs in the output of {@code nvidia-smi -L}, lines such as
     * {@code GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)}; other lines (MIG devices) are skipped.
     */
    static List<Gpu> parseNvidiaSmiList(String output) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : output.split("\\R")) {
            Matcher matcher = GPU_LINE.matcher(line.strip());
            if (matcher.matches()) {
                gpus.add(new Gpu(matcher.group(1), model(matcher.group(2))));
            }
        }
        return List.copyOf(gpus);
    }

    /**
     * A short model name from a GPU's full name: the first word after the brand words
     * (NVIDIA, Tesla, GeForce, Quadro) up to its first '-': {@code NVIDIA H100 80GB HBM3} gives
     * {@code H100}, {@code NVIDIA A100-SXM4-80GB} {@code A100}, {@code Tesla T4} {@code T4}. For
     * the RTX, GTX and TITAN families the next word is kept, joined by '-':
     * {@code NVIDIA RTX A6000} gives {@code RTX-A6000}. A name of brand words only is kept whole.
     */
    static String model(String name) {
        List<String> words = new ArrayList<>(List.of(name.strip().split("\\s+")));
        words.removeIf(word -> BRANDS.contains(word.toUpperCase(Locale.ROOT)));
        if (words.isEmpty()) {
            return name.strip();
        }
        String first = words.getFirst();
        if (FAMILIES.contains(first.toUpperCase(Locale.ROOT)) && words.size() > 1) {
            return first + "-" + words.get(1);
        }
        int dash = first.indexOf('-');
        return dash > 0 ? first.substring(0, dash) : first;
    }
}
