package dev.portico.control;

import dev.portico.api.ContainerState;
import dev.portico.control.store.ContainerRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How often a server had been restarted when each of its containers was created, and why it last
 * failed: what {@code portico container list} shows in RESTARTS and LAST FAILURE. Containers are
 * replaced, not restarted in place, so a container's restart count is the number of containers of
 * the same server and version that had failed before it was created; a new version starts at zero.
 *
 * @param count failures before the container was created
 * @param lastFailure the reason of the latest of them, or null
 */
record Restarts(int count, String lastFailure) {

    private static final Restarts NONE = new Restarts(0, null);

    private record Group(long appId, String server, int version) {
        static Group of(ContainerRecord c) {
            return new Group(c.appId(), c.server(), c.version());
        }
    }

    /**
     * Restarts of each container, by id, from a list that holds every container of the servers it
     * covers (failed ones included).
     */
    static Map<String, Restarts> of(List<ContainerRecord> containers) {
        Map<Group, List<ContainerRecord>> failures = new HashMap<>();
        for (ContainerRecord c : containers) {
            if (c.state() == ContainerState.FAILED) {
                failures.computeIfAbsent(Group.of(c), k -> new ArrayList<>()).add(c);
            }
        }
        failures.values().forEach(list -> list.sort(Comparator.comparing(ContainerRecord::updatedAt)));
        Map<String, Restarts> restarts = new HashMap<>();
        for (ContainerRecord c : containers) {
            int count = 0;
            String last = null;
            for (ContainerRecord failed : failures.getOrDefault(Group.of(c), List.of())) {
                if (!failed.updatedAt().isBefore(c.createdAt())) {
                    break;
                }
                count++;
                last = failed.reason();
            }
            restarts.put(c.id(), count == 0 ? NONE : new Restarts(count, last));
        }
        return restarts;
    }
}
