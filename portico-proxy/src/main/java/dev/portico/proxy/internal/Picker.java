package dev.portico.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the container for a routed request: with {@code Modal-Session-ID}, rendezvous hashing of the
 * session over the ready containers (every replica agrees); otherwise the least in-flight container
 * (exactly, ties broken at random, up to {@value #EXACT_LIMIT} containers; beyond, the better of two
 * random ones). No ready container: 503, and the control plane is told at once.
 */
public final class Picker extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Picker.class);
    static final int EXACT_LIMIT = 8;

    private final ProxyContext proxy;
    private final ConnectionState conn;

    Picker(ProxyContext proxy, ConnectionState conn) {
        this.proxy = proxy;
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        RouteEntry route = conn.route;
        conn.route = null;
        Target[] targets = route.targets;
        if (targets.length == 0) {
            noReadyContainer(route.serverId);
            ReferenceCountUtil.release(request);
            ctx.writeAndFlush(ProxyResponses.of(HttpResponseStatus.SERVICE_UNAVAILABLE), ctx.voidPromise());
            return;
        }
        String session = request.headers().get(HttpMessages.MODAL_SESSION_ID);
        conn.target = targets[session != null ? Rendezvous.pick(targets, session) : leastInFlight(targets)];
        conn.candidates = targets;
        ctx.fireChannelRead(request);
    }

    public static int leastInFlight(Target[] targets) {
        int n = targets.length;
        if (n == 1) {
            return 0;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (n > EXACT_LIMIT) {
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            return targets[b].inFlight.get() < targets[a].inFlight.get() ? b : a;
        }
        int start = random.nextInt(n);
        int best = start;
        int bestLoad = targets[start].inFlight.get();
        for (int k = 1; k < n && bestLoad > 0; k++) {
            int i = start + k < n ? start + k : start + k - n;
            int load = targets[i].inFlight.get();
            if (load < bestLoad) {
                best = i;
                bestLoad = load;
            }
        }
        return best;
    }

    private void noReadyContainer(String serverId) {
        try {
            proxy.loadSink().noReadyContainer(serverId);
        } catch (RuntimeException e) {
            log.warn("load sink failed for {}", serverId, e);
        }
    }
}
