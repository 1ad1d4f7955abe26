package dev.portico.runtime.local;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An aligned IPv4 block in CIDR notation. Addresses are held as unsigned 32-bit values in an
 * {@code int}; {@code network} always has its host bits cleared.
 */
record Ipv4Block(int network, int prefix) {

    /** Every container gets a point-to-point /30: network, host end (.1), container end (.2), broadcast. */
    static final int SUBNET_PREFIX = 30;

    Ipv4Block {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be in 0..32: " + prefix);
        }
        network &= mask(prefix);
    }

    /** Parses {@code a.b.c.d/n}; host bits must be zero unless {@code lenient}. */
    static Ipv4Block parse(String cidr) {
        return parse(cidr, false);
    }

    static Ipv4Block parse(String cidr, boolean lenient) {
        int slash = cidr.indexOf('/');
        String[] octets = (slash < 0 ? cidr : cidr.substring(0, slash)).split("\\.", -1);
        try {
            if (octets.length != 4 || slash < 0) {
                throw new NumberFormatException();
            }
            int address = 0;
            for (String octet : octets) {
                int value = Integer.parseInt(octet);
                if (value < 0 || value > 255) {
                    throw new NumberFormatException();
                }
                address = address << 8 | value;
            }
            int prefix = Integer.parseInt(cidr.substring(slash + 1));
            Ipv4Block block = new Ipv4Block(address, prefix);
            if (!lenient && block.network != address) {
                throw new IllegalArgumentException("host bits set in " + cidr + "; did you mean " + block + "?");
            }
            return block;
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not an IPv4 block such as 10.213.0.0/16: " + cidr);
        }
    }

    /** Number of addresses, as a long because a /0 holds 2^32. */
    long size() {
        return 1L << (32 - prefix);
    }

    /** The {@code index}-th aligned sub-block of the given (longer) prefix. */
    Ipv4Block subBlock(int subPrefix, long index) {
        return new Ipv4Block((int) (Integer.toUnsignedLong(network) + (index << (32 - subPrefix))), subPrefix);
    }

    /** How many sub-blocks of the given prefix this block holds. */
    long count(int subPrefix) {
        return 1L << (subPrefix - prefix);
    }

    boolean overlaps(Ipv4Block other) {
        int shorter = Math.min(prefix, other.prefix);
        return (network & mask(shorter)) == (other.network & mask(shorter));
    }

    /** The address at {@code offset} from the network address, such as .1 for the host end. */
    InetAddress address(int offset) {
        int value = network + offset;
        byte[] bytes = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return Inet4Address.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always a valid address", e);
        }
    }

    /** {@code a.b.c.d/prefix} for the address at {@code offset}, as {@code ip addr add} takes it. */
    String interfaceAddress(int offset) {
        return address(offset).getHostAddress() + "/" + prefix;
    }

    @Override
    public String toString() {
        return address(0).getHostAddress() + "/" + prefix;
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }
}
