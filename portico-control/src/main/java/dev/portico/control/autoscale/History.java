package dev.portico.control.autoscale;

import java.util.Arrays;

/**
 * One server's recent wanted counts, oldest first: a ring buffer of primitive pairs (epoch
 * milliseconds, wanted). An autoscaler tick reads and appends one per server for thousands of
 * servers, so samples are not objects: scanning a window is a pass over two small arrays.
 * Not thread-safe; {@link Autoscaler} guards it.
 */
final class History {

    private long[] at = new long[64];
    private int[] wanted = new int[64];
    private int start;
    private int size;

    int size() {
        return size;
    }

    /** The i-th oldest sample's time. */
    long at(int i) {
        return at[(start + i) & (at.length - 1)];
    }

    /** The i-th oldest sample's wanted count. */
    int wanted(int i) {
        return wanted[(start + i) & (wanted.length - 1)];
    }

    /** Appends a sample and drops those older than {@code horizonMillis}. */
    void add(long atMillis, int count, long horizonMillis) {
        while (size > 0 && at(0) < horizonMillis) {
            start = (start + 1) & (at.length - 1);
            size--;
        }
        if (size == at.length) {
            grow();
        }
        int slot = (start + size) & (at.length - 1);
        at[slot] = atMillis;
        wanted[slot] = count;
        size++;
    }

    private void grow() {
        long[] newAt = new long[at.length * 2];
        int[] newWanted = new int[wanted.length * 2];
        for (int i = 0; i < size; i++) {
            newAt[i] = at(i);
            newWanted[i] = wanted(i);
        }
        at = newAt;
        wanted = newWanted;
        start = 0;
    }

    @Override
    public String toString() {
        return "History" + Arrays.toString(Arrays.copyOf(wanted, size));
    }
}
