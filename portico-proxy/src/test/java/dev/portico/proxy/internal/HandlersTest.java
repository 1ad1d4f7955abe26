package dev.portico.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Single handlers on an {@link EmbeddedChannel}; every test ends by releasing what is left (leak-checked). */
class HandlersTest {

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String drainOutbound(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    @Test
    void validatorPassesAWellFramedRequest() {
        EmbeddedChannel channel = new EmbeddedChannel(
                new HttpServerCodec(ProxyContext.strictDecoderConfig(16 * 1024)), new FramingValidator());
        channel.writeInbound(ascii("POST / HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: 3\r\n\r\nabc"));
        HttpRequest request = channel.readInbound();
        assertThat(request.decoderResult().isSuccess()).isTrue();
        HttpContent body = channel.readInbound();
        assertThat(body).isInstanceOf(LastHttpContent.class);
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        body.release();
        assertThat(channel.isOpen()).isTrue();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void validatorAnswers400AndClosesOnContentLengthWithTransferEncoding() {
        EmbeddedChannel channel = new EmbeddedChannel(
                new HttpServerCodec(ProxyContext.strictDecoderConfig(16 * 1024)), new FramingValidator());
        channel.writeInbound(ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(drainOutbound(channel)).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close");
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void validatorAnswers431ForAHugeHead() {
        EmbeddedChannel channel = new EmbeddedChannel(
                new HttpServerCodec(ProxyContext.strictDecoderConfig(1024)), new FramingValidator());
        channel.writeInbound(ascii("GET / HTTP/1.1\r\nHost: a\r\nX: " + "y".repeat(2000) + "\r\n\r\n"));
        assertThat(drainOutbound(channel)).startsWith("HTTP/1.1 431 ");
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void hostValidation() {
        assertThat(FramingValidator.isValidHost("main--app--x.localhost:7080")).isTrue();
        assertThat(FramingValidator.isValidHost("[::1]:80")).isTrue();
        assertThat(FramingValidator.isValidHost("a b")).isFalse();
        assertThat(FramingValidator.isValidHost("a/b")).isFalse();
        assertThat(FramingValidator.isValidHost("")).isFalse();
    }

    @Test
    void keepAliveClosesAfterTheResponseWhenTheClientAskedTo() {
        EmbeddedChannel channel = new EmbeddedChannel(new KeepAlive());
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        request.headers().set(HttpHeaderNames.CONNECTION, "close");
        channel.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = ProxyResponses.of(HttpResponseStatus.NOT_FOUND);
        channel.writeOutbound(response);
        assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void keepAliveAnswersHttp10KeepAliveAndClosesOnUnknownLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new KeepAlive());
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/");
        request.headers().set(HttpHeaderNames.CONNECTION, "keep-alive");
        channel.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse known = ProxyResponses.of(HttpResponseStatus.NOT_FOUND);
        channel.writeOutbound(known);
        assertThat(known.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("keep-alive");
        assertThat(channel.isOpen()).isTrue();

        channel.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse unknown = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        channel.writeOutbound(unknown);
        assertThat(channel.isOpen()).isTrue(); // closes after the body, not before
        channel.writeOutbound(new io.netty.handler.codec.http.DefaultLastHttpContent(ascii("body")));
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void gateHoldsAPipelinedRequestUntilTheResponseCompletes() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ConnectionState conn = new ConnectionState(channel, null);
        channel.pipeline().addLast(new PipeliningGate(conn));
        HttpRequest first = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/1");
        HttpRequest second = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/2", ascii("x"));
        channel.writeInbound(first, LastHttpContent.EMPTY_LAST_CONTENT, second);
        assertThat(channel.<Object>readInbound()).isSameAs(first);
        assertThat(channel.<Object>readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(channel.config().isAutoRead()).isFalse();

        // An interim response does not end the exchange; the final one does.
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        channel.runPendingTasks();
        assertThat(channel.<Object>readInbound()).isNull();
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.runPendingTasks();
        assertThat(channel.<Object>readInbound()).isSameAs(second);
        assertThat(channel.config().isAutoRead()).isTrue();
        ((DefaultFullHttpRequest) second).release(); // passed on to the test, which owns it now
        channel.finishAndReleaseAll();
    }

    @Test
    void gateReleasesHeldMessagesWhenTheConnectionCloses() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new PipeliningGate(new ConnectionState(channel, null)));
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/1"),
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/2", ascii("held")));
        channel.readInbound();
        channel.close(); // the held request's buffer is released, or the leak check fails this test
        channel.finishAndReleaseAll();
    }

    @Test
    void gatePassesNothingOnAfterAResponseThatClosesTheConnection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new PipeliningGate(new ConnectionState(channel, null)));
        HttpRequest first = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/1");
        channel.writeInbound(first, LastHttpContent.EMPTY_LAST_CONTENT,
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/2", ascii("held")));
        assertThat(channel.<Object>readInbound()).isSameAs(first);
        assertThat(channel.<Object>readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);

        FullHttpResponse last = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        last.headers().set(HttpHeaderNames.CONNECTION, "close");
        channel.writeOutbound(last);
        channel.runPendingTasks();
        // The held request is dropped (released, or the leak check fails this test), and so is what comes
        // later, while reading goes on so that the connection can close cleanly.
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/3", ascii("later")));
        assertThat(channel.<Object>readInbound()).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void forwardingRewritesHopByHopHeaders() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/");
        request.headers()
                .add(HttpHeaderNames.HOST, "h.localhost")
                .add(HttpHeaderNames.CONNECTION, "close, X-A, content-length")
                .add(HttpHeaderNames.CONNECTION, "X-B")
                .add("X-A", "1").add("X-B", "2").add("X-C", "3")
                .add(HttpHeaderNames.CONTENT_LENGTH, "0")
                .add(HttpHeaderNames.TE, "trailers")
                .add(HttpHeaderNames.UPGRADE, "h2c");
        assertThat(HttpMessages.prepareRequest(request, "10.1.2.3")).isFalse();
        assertThat(request.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(request.headers().names()).containsExactlyInAnyOrder(
                "host", "X-C", "content-length", "x-forwarded-host", "x-forwarded-for", "x-forwarded-proto");
        assertThat(request.headers().get("x-forwarded-for")).isEqualTo("10.1.2.3");

        HttpRequest upgrade = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        upgrade.headers().add(HttpHeaderNames.CONNECTION, "Upgrade").add(HttpHeaderNames.UPGRADE, "websocket");
        assertThat(HttpMessages.prepareRequest(upgrade, "10.1.2.3")).isTrue();
        assertThat(upgrade.headers().get(HttpHeaderNames.UPGRADE)).isEqualTo("websocket");

        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
        HttpMessages.prepareResponse(response, false, false, false);
        assertThat(response.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(response.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        HttpResponse toHttp10 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        toHttp10.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        HttpMessages.prepareResponse(toHttp10, true, false, false);
        assertThat(toHttp10.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
    }
}
