package dev.portico.cli.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Steady client load through a proxy, counting every response: a few clients, each sending one
 * request after another on keep-alive connections, as long as the load runs (bounded by a deadline
 * and a request count, so that a broken platform cannot make a test loop forever).
 *
 * <p>Every outcome is kept with the instants it started and ended, so that a fault test can say
 * not only how many requests failed but which: for example, only those already in flight when a
 * container was killed.
 */
final class SteadyLoad implements AutoCloseable {

    /** One request: when it started and ended ({@link System#nanoTime}), its status or error. */
    record Outcome(long startNanos, long endNanos, int status, String body, String error) {
        boolean ok() {
            return status / 100 == 2;
        }

        String describe() {
            return error != null ? error : status + " " + body;
        }
    }

    private static final Duration MAX_DURATION = Duration.ofMinutes(3);
    private static final int MAX_REQUESTS = 500_000;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final IntSupplier port;
    private final String host;
    private final String path;
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> clients = new ArrayList<>();
    private final long deadline = System.nanoTime() + MAX_DURATION.toNanos();

    /**
     * Starts {@code clients} clients sending {@code GET path} with {@code Host: host} to
     * 127.0.0.1 on the port {@code port} gives at each request (so that a test can follow a proxy
     * that comes back on another port).
     */
    SteadyLoad(int clients, IntSupplier port, String host, String path) {
        this.port = port;
        this.host = host;
        this.path = path;
        for (int i = 0; i < clients; i++) {
            this.clients.add(Thread.ofVirtual().name("load-" + i).start(this::run));
        }
    }

    private void run() {
        while (running.get() && System.nanoTime() < deadline && sent.incrementAndGet() <= MAX_REQUESTS) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.getAsInt() + path))
                    .header("Host", host)
                    .timeout(Duration.ofSeconds(30))
                    .build();
            long start = System.nanoTime();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                outcomes.add(new Outcome(start, System.nanoTime(), response.statusCode(), response.body(), null));
            } catch (IOException e) {
                outcomes.add(new Outcome(start, System.nanoTime(), 0, "", e.getClass().getSimpleName()));
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** After a connection error (the platform is down), do not spin. */
    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until at least {@code count} more requests have succeeded, at most {@code timeout}. */
    void awaitSuccesses(int count, Duration timeout) throws InterruptedException {
        long target = succeeded() + count;
        long end = System.nanoTime() + timeout.toNanos();
        while (succeeded() < target) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + count + " successful requests within " + timeout + ": " + summary());
            }
            Thread.sleep(10);
        }
    }

    long succeeded() {
        return outcomes.stream().filter(Outcome::ok).count();
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    List<Outcome> failures() {
        return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    /** Stops the clients and waits for their last requests. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread client : clients) {
            client.join(Duration.ofSeconds(35));
        }
    }

    /** Requests sent, failed, and the failures grouped by status or error. */
    String summary() {
        Map<String, Integer> byKind = new TreeMap<>();
        for (Outcome failure : failures()) {
            byKind.merge(failure.error != null ? failure.error : Integer.toString(failure.status), 1, Integer::sum);
        }
        return outcomes.size() + " requests, " + failures().size() + " failed " + byKind;
    }
}
