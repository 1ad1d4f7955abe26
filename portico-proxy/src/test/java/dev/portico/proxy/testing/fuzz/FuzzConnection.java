package dev.portico.proxy.testing.fuzz;

import dev.portico.proxy.testing.fuzz.ConnectionPlan.Ending;
import dev.portico.proxy.testing.fuzz.ResponseReader.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Plays one {@link ConnectionPlan} on a new connection to the proxy and checks all that comes back:
 * <ul>
 *   <li>a valid request gets its one answer: status, body, and whether the connection persists; when it
 *       does not, the end follows as a clean close, not a reset (which can destroy an answer: RFC 9112 §9.6);
 *   <li>a mutated or random request gets well-formed answers with allowed statuses, or a close or reset
 *       (possibly mid-response); a refusal of a malformed request (400, 405, 414, 431) announces
 *       {@code Connection: close} and is the last thing sent;
 *   <li>once the client has half-closed, the proxy closes too;
 *   <li>no read waits longer than {@link #HANG_MILLIS}: the proxy answers or closes, it never hangs.
 * </ul>
 */
public final class FuzzConnection {

    public static final int HANG_MILLIS = 10_000;
    private static final int AWAIT_ANSWER_MILLIS = 30;
    private static final Set<Integer> CLOSING_REFUSALS = Set.of(400, 405, 414, 431);

    /** What went wrong on one connection, with what was sent and received. */
    public static final class Failure extends Exception {
        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A check that failed. */
    private static final class Violation extends Exception {
        Violation(String message) {
            super(message);
        }
    }

    private final ConnectionPlan plan;
    private final FuzzStats stats;
    private final Socket socket = new Socket(Proxy.NO_PROXY);
    private ResponseReader reader;
    private OutputStream out;
    private FuzzRequest current;

    private FuzzConnection(ConnectionPlan plan, FuzzStats stats) {
        this.plan = plan;
        this.stats = stats;
    }

    /** Plays {@code plan} against the proxy at {@code proxy}; throws on the first violation. */
    public static void run(InetSocketAddress proxy, ConnectionPlan plan, FuzzStats stats) throws Failure {
        FuzzConnection connection = new FuzzConnection(plan, stats);
        try (Socket socket = connection.socket) {
            socket.connect(proxy, HANG_MILLIS);
            socket.setSoTimeout(HANG_MILLIS);
            socket.setTcpNoDelay(true);
            connection.reader = new ResponseReader(socket.getInputStream());
            connection.out = socket.getOutputStream();
            stats.connections.increment();
            connection.play();
        } catch (SocketTimeoutException e) {
            throw connection.failure("neither an answer nor a close within " + HANG_MILLIS + " ms: the proxy hangs", e);
        } catch (Violation | IOException e) {
            throw connection.failure(e.getMessage(), e);
        }
    }

    private void play() throws IOException, Violation {
        List<FuzzRequest> requests = plan.requests();
        if (plan.pipelined()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            requests.forEach(r -> all.writeBytes(r.bytes()));
            current = requests.getLast();
            send(all.toByteArray());
        }
        for (FuzzRequest request : requests) {
            current = request;
            if (!plan.pipelined()) {
                send(request.bytes());
            }
            stats.sent(request);
            if (request == requests.getLast() && plan.ending() != Ending.HALF_CLOSE) {
                abandon();
                return;
            }
            if (!request.valid()) {
                if (plan.awaitAnswer()) {
                    reader.await(socket, AWAIT_ANSWER_MILLIS);
                }
                halfClose();
                answersToTheLast(request);
                return;
            }
            Response response = answer(request);
            if (request.upgrade()) {
                tunnel();
            } else if (response.closes()) {
                reader.expectEnd();
                return;
            }
        }
        socket.shutdownOutput();
        reader.expectEnd();
    }

    /** Writes {@code bytes}; a mutated or random request may meet a connection the proxy already closed. */
    private void send(byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
        } catch (SocketException e) {
            if (current.valid()) {
                throw e;
            }
        }
    }

    private void halfClose() throws IOException {
        try {
            socket.shutdownOutput();
        } catch (SocketException e) {
            // reset already: what was received is still read
        }
    }

    private void abandon() throws IOException {
        if (plan.ending() == Ending.RESET) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }

    /** The answer to a valid request: exactly the one it must get. */
    private Response answer(FuzzRequest request) throws IOException, Violation {
        Response response;
        do {
            response = reader.next(request.head());
            if (response == null) {
                throw new Violation("connection closed without answering a valid request");
            }
            stats.answered(response.status());
        } while (response.interim());
        if (!request.allowedStatuses().contains(response.status())) {
            throw new Violation("status " + response.status() + ", expected " + request.allowedStatuses());
        }
        if (request.expectedBody() != null && !Arrays.equals(response.body(), request.expectedBody())) {
            throw new Violation("wrong body: " + response.body().length + " bytes, expected "
                    + request.expectedBody().length);
        }
        if (response.closes() != request.closes()) {
            throw new Violation(request.closes() ? "no Connection: close after a request to close"
                    : "Connection: close on a persistent connection");
        }
        return response;
    }

    /** After a 101 the proxy relays raw bytes: the test backend echoes them. */
    private void tunnel() throws IOException, Violation {
        stats.tunnels.increment();
        byte[] ping = ("ping-" + plan.index()).getBytes(StandardCharsets.US_ASCII);
        out.write(ping);
        out.flush();
        if (!Arrays.equals(reader.raw(ping.length), ping)) {
            throw new Violation("the tunnel did not echo " + new String(ping, StandardCharsets.US_ASCII));
        }
    }

    /** Whatever comes back after a mutated or random request, up to the close (the client has half-closed). */
    private void answersToTheLast(FuzzRequest request) throws IOException, Violation {
        boolean answered = false;
        try {
            Response response;
            while ((response = reader.next(false)) != null) {
                answered = true;
                stats.answered(response.status());
                if (!request.allowedStatuses().contains(response.status())) {
                    throw new Violation("status " + response.status() + " to a " + request.kind()
                            + " request, allowed " + request.allowedStatuses());
                }
                if (response.status() == 101) {
                    stats.tunnels.increment();
                    reader.drain();
                    return;
                }
                if (CLOSING_REFUSALS.contains(response.status()) && !response.closes()) {
                    throw new Violation("refusal " + response.status() + " without Connection: close");
                }
                if (response.closes()) {
                    reader.expectEnd();
                    return;
                }
            }
            if (!answered) {
                stats.unanswered.increment();
            }
        } catch (ResponseReader.CutResponse | SocketException e) {
            stats.cut.increment(); // the proxy closed mid-response, or reset: both mean "closed"
        }
    }

    private Failure failure(String reason, Throwable cause) {
        byte[] sent = current == null ? new byte[0] : current.bytes();
        String shown = new String(sent, 0, Math.min(sent.length, 600), StandardCharsets.ISO_8859_1);
        return new Failure(String.format(
                "connection #%d (from port %d): %s%n  plan: %s%n  request: %s%n  sent: %s%s%n  received: %s",
                plan.index(), socket.getLocalPort(), reason, plan, current == null ? "-" : current.label(),
                ResponseReader.escape(shown), sent.length > 600 ? "... (" + sent.length + " bytes)" : "",
                reader == null ? "-" : reader.transcript()), cause);
    }
}
