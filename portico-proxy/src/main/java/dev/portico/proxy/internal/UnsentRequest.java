package dev.portico.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Copies of what a request has written to a container connection that is still connecting, so
 * that the request can go to another container if the connect fails: then not one byte of it
 * reached the first container, and sending it elsewhere sends it once.
 *
 * <p>Ownership: each part is a retained duplicate (the content is shared, not copied; a head
 * without content is immutable once written and is shared as is). The copies are released when
 * the connection is established or the exchange ends, or handed over by {@link #takeAll}. How much
 * is held is bounded by the container connection's write-buffer watermark, past which the client
 * is not read.
 */
final class UnsentRequest {

    private final ArrayDeque<Object> parts = new ArrayDeque<>(4);

    void add(Object msg) {
        parts.add(switch (msg) {
            case ByteBufHolder holder -> holder.retainedDuplicate();
            case ByteBuf bytes -> bytes.retainedDuplicate();
            default -> msg;
        });
    }

    /** Hands every part over to the caller, who writes (and so releases) them. */
    ArrayDeque<Object> takeAll() {
        ArrayDeque<Object> taken = new ArrayDeque<>(parts);
        parts.clear();
        return taken;
    }

    void release() {
        for (Object part; (part = parts.poll()) != null; ) {
            ReferenceCountUtil.release(part);
        }
    }
}
