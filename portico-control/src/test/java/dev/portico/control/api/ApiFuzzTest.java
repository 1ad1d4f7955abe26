package dev.portico.control.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations of valid requests to every endpoint ({@link RequestMutator}), a few
 * thousand within about 20 seconds. No answer may be a 5xx or missing; every 4xx carries
 * {@code {"error": "..."}} with a message; a mutation that stays valid may succeed. The seed is
 * printed (and named in a failure); {@code -Dportico.fuzz.seed=N} replays a run.
 *
 * <p>Requests the JDK's client refuses to send (no valid URI) go over a raw socket; the JDK's server
 * refuses most of them itself, with its own 400 and a text body, which counts as a refusal here.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiFuzzTest {

    private static final int MAX_REQUESTS = 3000;
    private static final Duration BUDGET = Duration.ofSeconds(20);
    private static final int SHOWN = 25;

    @TempDir
    Path home;

    @Test
    void mutatedRequestsAreRefusedWithAMessageAndNeverBreakTheApi() {
        long seed = Long.getLong("portico.fuzz.seed", System.nanoTime());
        System.out.println("ApiFuzzTest seed " + seed + " (replay with -Dportico.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        RequestMutator mutator = new RequestMutator(random);
        List<String> failures = new ArrayList<>();
        int sent = 0;
        int refused = 0;
        try (ApiFixture fixture = ApiFixture.start(home)) {
            Http http = fixture.http();
            long deadline = System.nanoTime() + BUDGET.toNanos();
            for (; sent < MAX_REQUESTS && System.nanoTime() < deadline; sent++) {
                Endpoint endpoint = Endpoint.ALL.get(random.nextInt(Endpoint.ALL.size()));
                RequestMutator.Request request = mutator.mutate(endpoint, http.adminAuthorization());
                String problem;
                try {
                    Http.Answer answer = send(http, request);
                    refused += answer.status() >= 400 ? 1 : 0;
                    problem = problem(request, answer);
                } catch (AssertionError | UncheckedIOException e) {
                    problem = refusedByTheJdk(request) ? null : "no answer: " + e.getMessage();
                }
                if (problem != null) {
                    failures.add("  #" + sent + " " + request + "\n      → " + problem);
                }
            }
            fixture.assertHealthy();
        }
        System.out.println("ApiFuzzTest sent " + sent + " requests, " + refused + " refused, " + failures.size()
                + " wrong");
        if (!failures.isEmpty()) {
            fail("seed " + seed + ": " + failures.size() + " of " + sent + " answers were wrong; the first ones:\n"
                    + String.join("\n", failures.subList(0, Math.min(SHOWN, failures.size()))));
        }
        assertThat(sent).as("requests sent in %s", BUDGET).isGreaterThan(200);
    }

    private static Http.Answer send(Http http, RequestMutator.Request request) {
        if (request.sendable()) {
            return http.send(request.method(), request.target(), request.body(), request.authorization());
        }
        List<String> headers = new ArrayList<>(List.of("Host: localhost", "Connection: close"));
        if (request.authorization() != null) {
            headers.add("Authorization: " + request.authorization());
        }
        byte[] body = request.body() == null ? new byte[0] : request.body();
        headers.add("Content-Length: " + body.length);
        try (Socket socket = http.connect()) {
            socket.getOutputStream().write(Http.request(request.method() + " " + request.target() + " HTTP/1.1",
                    headers, body));
            return Http.read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether a lost answer is the JDK's server refusing a request line that is no URI: it answers
     * and closes at once, and with a large body still unread the kernel resets the connection, which
     * may discard the answer before the client reads it.
     */
    private static boolean refusedByTheJdk(RequestMutator.Request request) {
        return !request.sendable() && request.body() != null && request.body().length > 64 * 1024;
    }

    /** What is wrong with the answer; null when nothing is. */
    private static String problem(RequestMutator.Request request, Http.Answer answer) {
        if (answer.status() < 0 && refusedByTheJdk(request)) {
            return null;
        }
        if (answer.status() < 200 || answer.status() >= 500) {
            return answer.text();
        }
        if (answer.status() < 400 || request.method().equals("HEAD")) {
            return null;
        }
        String error = answer.error();
        if (error == null && !request.sendable() && answer.status() == 400) {
            return null;
        }
        if (error == null || error.isBlank()) {
            return answer.text() + " (no {\"error\": \"...\"} with a message)";
        }
        return null;
    }
}
