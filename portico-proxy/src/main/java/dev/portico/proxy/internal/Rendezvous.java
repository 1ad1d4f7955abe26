package dev.portico.proxy.internal;

/**
 * Rendezvous (highest-random-weight) hashing: a session goes to the target with the highest
 * {@code score(session, container)}. The score depends only on the two strings, so every proxy
 * replica picks the same container, and removing a container only moves the sessions it had.
 */
public final class Rendezvous {

    private Rendezvous() {}

    /** 64-bit FNV-1a over the UTF-16 code units, then a murmur3 finalizer. */
    static long hash(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * 0x100000001b3L;
            h = (h ^ (c >>> 8)) * 0x100000001b3L;
        }
        return mix(h);
    }

    static long containerHash(String containerId) {
        return mix(hash(containerId) + 0x9e3779b97f4a7c15L);
    }

    static long score(long sessionHash, long containerHash) {
        return mix(sessionHash ^ containerHash);
    }

    /** The index of the highest-scoring target. */
    public static int pick(Target[] targets, CharSequence sessionId) {
        long session = hash(sessionId);
        int best = 0;
        long bestScore = Long.MIN_VALUE;
        for (int i = 0; i < targets.length; i++) {
            long score = score(session, targets[i].rendezvousHash);
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
