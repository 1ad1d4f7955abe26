package dev.portico.proxy.internal;

import dev.portico.api.routing.Authenticator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a request by its {@code Host} header and checks its proxy token: unknown host 404, a server
 * of another region 421, missing or wrong token 401, token of another environment 403. A refused
 * request goes no further (its body, if any, is dropped by {@link Forwarder}); an accepted one loses its
 * {@code Modal-Key}/{@code Modal-Secret} headers and goes on with {@link ConnectionState#route} set.
 */
final class Router extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final ProxyContext proxy;
    private final String region;
    private final ConnectionState conn;

    Router(ProxyContext proxy, String region, ConnectionState conn) {
        this.proxy = proxy;
        this.region = region;
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpHeaders headers = request.headers();
        RoutingSnapshot routes = proxy.routes();
        RouteEntry route = routes.find(headers.get(HttpHeaderNames.HOST));
        HttpResponseStatus refusal = route == null ? unknownHost(routes)
                : !route.region.equals(region) ? HttpResponseStatus.MISDIRECTED_REQUEST
                : route.unauthenticated ? null
                : authenticate(headers, route);
        if (refusal != null) {
            ReferenceCountUtil.release(request); // a head from the decoder holds no buffer; a full request would
            ctx.writeAndFlush(ProxyResponses.of(refusal), ctx.voidPromise());
            return;
        }
        headers.remove(HttpMessages.MODAL_KEY);
        headers.remove(HttpMessages.MODAL_SECRET);
        conn.route = route;
        ctx.fireChannelRead(request);
    }

    /**
     * 404, unless the control plane has not published a routing table yet (the platform is
     * starting, for example after a crash): then the host may well exist, and 503 tells the client
     * to come back, where a 404 would tell it that the server is gone.
     */
    private static HttpResponseStatus unknownHost(RoutingSnapshot routes) {
        return routes == RoutingSnapshot.UNPUBLISHED ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.NOT_FOUND;
    }

    private HttpResponseStatus authenticate(HttpHeaders headers, RouteEntry route) {
        Authenticator.Decision decision;
        try {
            decision = proxy.authenticator().check(
                    headers.get(HttpMessages.MODAL_KEY), headers.get(HttpMessages.MODAL_SECRET), route.environment);
        } catch (RuntimeException e) {
            log.warn("authenticator failed; denying the request", e);
            decision = Authenticator.Decision.UNAUTHORIZED;
        }
        return switch (decision) {
            case ALLOW -> null;
            case FORBIDDEN -> HttpResponseStatus.FORBIDDEN;
            case UNAUTHORIZED -> HttpResponseStatus.UNAUTHORIZED;
            case null -> HttpResponseStatus.UNAUTHORIZED;
        };
    }
}
