package dev.portico.api;

import java.util.List;

/** The routing regions, each served by its own proxy listener. */
public final class Regions {

    /** Every routing region, in the order of their default proxy ports (7080, 7081, ...). */
    public static final List<String> ROUTING = List.of("us-east", "us-west", "eu-west", "ap-south");

    public static final String DEFAULT = "us-east";

    private Regions() {}

    /** The default proxy port of a routing region in {@code portico up}. */
    public static int defaultProxyPort(String region) {
        int index = ROUTING.indexOf(region);
        if (index < 0) {
            throw new IllegalArgumentException("unknown routing region: " + region);
        }
        return 7080 + index;
    }
}
