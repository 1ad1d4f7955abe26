package dev.portico.control.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portico.api.AutoscalerSettings;
import dev.portico.api.ContainerState;
import dev.portico.api.ServerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's durable state in SQLite (one file, WAL journal), migrated by Flyway.
 *
 * <p>Every change is committed before the control plane acts on it (store first, then act), so a
 * restart finds what was acknowledged. SQLite allows one writer: one connection serves every
 * caller under a lock, which is also the cheapest arrangement for a single-node store. Calls are
 * short; none holds the lock across I/O other than the database's own.
 */
public final class Store implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Store.class);

    private final Connection connection;
    private final ObjectMapper json;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();

    private Store(Connection connection, ObjectMapper json, Clock clock) {
        this.connection = connection;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Opens (creating when absent) the database file and brings its schema up to date.
     *
     * @throws StoreException when the file cannot be opened or migrated
     */
    public static Store open(Path file, ObjectMapper json, Clock clock) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            String url = "jdbc:sqlite:" + file.toAbsolutePath();
            Flyway.configure().dataSource(url, null, null).load().migrate();
            Connection connection = DriverManager.getConnection(url);
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
            }
            return new Store(connection, json, clock);
        } catch (Exception e) {
            throw new StoreException("cannot open the store at " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- environments -------------------------------------------------------------------------

    public boolean environmentExists(String name) {
        return query("SELECT 1 FROM environments WHERE name = ?", rs -> true, name).size() == 1;
    }

    /** Creates an environment; false when it already exists. */
    public boolean createEnvironment(String name) {
        return transaction(() -> {
            if (environmentExists(name)) {
                return false;
            }
            update("INSERT INTO environments (name, created_at) VALUES (?, ?)", name, now());
            return true;
        });
    }

    public List<String> environments() {
        return query("SELECT name FROM environments ORDER BY name", rs -> rs.getString(1));
    }

    // ---- tokens and RBAC ----------------------------------------------------------------------

    /** Records a token with the hash of its secret and the environments it is scoped to (none: all). */
    public void insertToken(String key, String secretHash, List<String> environments) {
        transaction(() -> {
            update("INSERT INTO tokens (key, secret_hash, created_at) VALUES (?, ?, ?)", key, secretHash, now());
            for (String environment : environments) {
                update("INSERT INTO token_scopes (token_key, environment) VALUES (?, ?)", key, environment);
            }
            return null;
        });
    }

    /** Every token, revoked ones included, with its scopes. */
    public List<TokenRecord> tokens() {
        Map<String, List<String>> scopes = new HashMap<>();
        for (String[] row : query("SELECT token_key, environment FROM token_scopes ORDER BY environment",
                rs -> new String[] {rs.getString(1), rs.getString(2)})) {
            scopes.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row[1]);
        }
        return query("SELECT * FROM tokens ORDER BY created_at, key", rs -> {
            long revoked = rs.getLong("revoked_at");
            Instant revokedAt = rs.wasNull() ? null : Instant.ofEpochMilli(revoked);
            String key = rs.getString("key");
            return new TokenRecord(key, rs.getString("secret_hash"), scopes.getOrDefault(key, List.of()),
                    Instant.ofEpochMilli(rs.getLong("created_at")), revokedAt);
        });
    }

    /** Revokes a token; false when there is no such token. */
    public boolean revokeToken(String key) {
        return transaction(() -> {
            boolean exists = !query("SELECT 1 FROM tokens WHERE key = ?", rs -> true, key).isEmpty();
            if (exists) {
                update("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE key = ?", now(), key);
            }
            return exists;
        });
    }

    public boolean rbacEnabled() {
        return query("SELECT value FROM settings WHERE name = 'rbac'", rs -> rs.getString(1)).getFirst().equals("on");
    }

    public void setRbac(boolean enabled) {
        update("UPDATE settings SET value = ? WHERE name = 'rbac'", enabled ? "on" : "off");
    }

    // ---- artifacts ----------------------------------------------------------------------------

    public void putArtifact(String sha256, long size) {
        update("INSERT OR IGNORE INTO artifacts (sha256, size, created_at) VALUES (?, ?, ?)",
                sha256, size, now());
    }

    // ---- apps and versions --------------------------------------------------------------------

    public Optional<AppRecord> app(String environment, String name) {
        return query("SELECT * FROM apps WHERE environment = ? AND name = ?", Store::app, environment, name)
                .stream().findFirst();
    }

    public List<AppRecord> apps() {
        return query("SELECT * FROM apps ORDER BY environment, name", Store::app);
    }

    /**
     * Records a new version of an app (creating the app on its first deploy) with its servers, in
     * one transaction, with status {@link VersionStatus#DEPLOYING}.
     *
     * @return the new version's number
     */
    public int insertVersion(String environment, String appName, String artifact, String strategy,
                             List<ServerSpec> servers) {
        return transaction(() -> {
            long appId = app(environment, appName).map(AppRecord::id).orElseGet(() -> {
                update("INSERT INTO apps (environment, name, created_at) VALUES (?, ?, ?)",
                        environment, appName, now());
                return app(environment, appName).orElseThrow().id();
            });
            int number = query("SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE app_id = ?",
                    rs -> rs.getInt(1), appId).getFirst();
            update("INSERT INTO versions (app_id, number, artifact, strategy, status, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", appId, number, artifact, strategy,
                    VersionStatus.DEPLOYING.name(), now());
            for (ServerSpec spec : servers) {
                update("INSERT INTO servers (app_id, version, name, spec) VALUES (?, ?, ?, ?)",
                        appId, number, spec.name(), encode(spec));
            }
            return number;
        });
    }

    public Optional<VersionRecord> version(long appId, int number) {
        return query("SELECT * FROM versions WHERE app_id = ? AND number = ?", Store::version, appId, number)
                .stream().findFirst();
    }

    public List<VersionRecord> versions(long appId) {
        return query("SELECT * FROM versions WHERE app_id = ? ORDER BY number", Store::version, appId);
    }

    /** Versions left {@link VersionStatus#DEPLOYING}, e.g. by a crash during a deploy. */
    public List<VersionRecord> deployingVersions() {
        return query("SELECT * FROM versions WHERE status = ?", Store::version, VersionStatus.DEPLOYING.name());
    }

    /** Marks a version failed, with the reason. */
    public void failVersion(long appId, int number, String reason) {
        update("UPDATE versions SET status = ?, reason = ? WHERE app_id = ? AND number = ?",
                VersionStatus.FAILED.name(), reason, appId, number);
    }

    /**
     * Makes a version the app's active one, superseding the previous, and un-stops the app. The
     * app's autoscaler overrides go: the new version runs with the settings of its spec.
     */
    public void activate(long appId, int number) {
        transaction(() -> {
            update("DELETE FROM autoscaler_overrides WHERE app_id = ?", appId);
            update("UPDATE versions SET status = ? WHERE app_id = ? AND status = ?",
                    VersionStatus.SUPERSEDED.name(), appId, VersionStatus.ACTIVE.name());
            update("UPDATE versions SET status = ?, reason = NULL WHERE app_id = ? AND number = ?",
                    VersionStatus.ACTIVE.name(), appId, number);
            update("UPDATE apps SET active_version = ?, stopped = 0 WHERE id = ?", number, appId);
            return null;
        });
    }

    public void setStopped(long appId, boolean stopped) {
        update("UPDATE apps SET stopped = ? WHERE id = ?", stopped ? 1 : 0, appId);
    }

    /** The servers of a version by name, in name order. */
    public Map<String, ServerSpec> servers(long appId, int version) {
        Map<String, ServerSpec> servers = new LinkedHashMap<>();
        for (String spec : query("SELECT spec FROM servers WHERE app_id = ? AND version = ? ORDER BY name",
                rs -> rs.getString(1), appId, version)) {
            ServerSpec parsed = decode(spec, ServerSpec.class);
            servers.put(parsed.name(), parsed);
        }
        return servers;
    }

    // ---- secrets and volumes --------------------------------------------------------------------

    /** Creates or replaces a secret's sealed (encrypted) value. */
    public void putSecret(String name, byte[] sealed) {
        long now = now();
        update("INSERT INTO secrets (name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                name, sealed, now, now);
    }

    /** A secret's sealed value, if it exists. */
    public Optional<byte[]> secret(String name) {
        return query("SELECT sealed FROM secrets WHERE name = ?", rs -> rs.getBytes(1), name).stream().findFirst();
    }

    public List<String> secretNames() {
        return query("SELECT name FROM secrets ORDER BY name", rs -> rs.getString(1));
    }

    /** Deletes a secret; false when there is none. */
    public boolean deleteSecret(String name) {
        return transaction(() -> {
            boolean exists = secret(name).isPresent();
            update("DELETE FROM secrets WHERE name = ?", name);
            return exists;
        });
    }

    /** Creates a volume; false when it exists already. */
    public boolean createVolume(String name) {
        return transaction(() -> {
            if (volumeExists(name)) {
                return false;
            }
            update("INSERT INTO volumes (name, created_at) VALUES (?, ?)", name, now());
            return true;
        });
    }

    public boolean volumeExists(String name) {
        return !query("SELECT 1 FROM volumes WHERE name = ?", rs -> true, name).isEmpty();
    }

    public List<String> volumeNames() {
        return query("SELECT name FROM volumes ORDER BY name", rs -> rs.getString(1));
    }

    public void deleteVolume(String name) {
        update("DELETE FROM volumes WHERE name = ?", name);
    }

    // ---- autoscaler overrides ------------------------------------------------------------------

    /** Stores the effective settings of a server after an {@code update_autoscaler}. */
    public void putAutoscalerOverride(long appId, String server, AutoscalerSettings settings) {
        update("INSERT INTO autoscaler_overrides (app_id, server, settings) VALUES (?, ?, ?)"
                + " ON CONFLICT (app_id, server) DO UPDATE SET settings = excluded.settings",
                appId, server, encode(settings));
    }

    /** Every override, keyed by app id and server name. */
    public Map<AppServer, AutoscalerSettings> autoscalerOverrides() {
        Map<AppServer, AutoscalerSettings> overrides = new HashMap<>();
        for (Object[] row : query("SELECT app_id, server, settings FROM autoscaler_overrides",
                rs -> new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3)})) {
            overrides.put(new AppServer((Long) row[0], (String) row[1]), decode((String) row[2], AutoscalerSettings.class));
        }
        return overrides;
    }

    /** A server of an app, by the app's id. */
    public record AppServer(long appId, String server) {}

    // ---- containers ---------------------------------------------------------------------------

    /** Records a new container in state {@link ContainerState#STARTING}, before it is launched. */
    public void insertContainer(String id, long appId, int version, String server) {
        transaction(() -> {
            long now = now();
            update("INSERT INTO containers (id, app_id, version, server, state, created_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)", id, appId, version, server,
                    ContainerState.STARTING.name(), now, now);
            update("INSERT INTO container_events (container_id, at, state) VALUES (?, ?, ?)",
                    id, now, ContainerState.STARTING.name());
            return null;
        });
    }

    /** Records a state change of a container with its reason (and address, once known). */
    public void updateContainer(String id, ContainerState state, String address, String reason) {
        transaction(() -> {
            long now = now();
            update("UPDATE containers SET state = ?, address = COALESCE(?, address), reason = ?, updated_at = ?"
                    + " WHERE id = ?", state.name(), address, reason, now, id);
            update("INSERT INTO container_events (container_id, at, state, reason) VALUES (?, ?, ?, ?)",
                    id, now, state.name(), reason);
            return null;
        });
    }

    /** Containers not yet stopped or failed: after a crash, those the runtime may have left. */
    public List<ContainerRecord> unfinishedContainers() {
        return query("SELECT * FROM containers WHERE state NOT IN (?, ?)", Store::container,
                ContainerState.STOPPED.name(), ContainerState.FAILED.name());
    }

    /** Containers of an app (every app when null), newest first, including stopped ones. */
    public List<ContainerRecord> containers(Long appId, String server) {
        StringBuilder sql = new StringBuilder("SELECT * FROM containers WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (appId != null) {
            sql.append(" AND app_id = ?");
            args.add(appId);
        }
        if (server != null) {
            sql.append(" AND server = ?");
            args.add(server);
        }
        sql.append(" ORDER BY created_at DESC, id");
        return query(sql.toString(), Store::container, args.toArray());
    }

    /** How many times containers of a server have failed since {@code since}. */
    public int failuresSince(long appId, String server, Instant since) {
        return query("SELECT COUNT(*) FROM containers WHERE app_id = ? AND server = ? AND state = ?"
                        + " AND updated_at >= ?", rs -> rs.getInt(1), appId, server,
                ContainerState.FAILED.name(), since.toEpochMilli()).getFirst();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new StoreException("closing the store failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run();
    }

    private long now() {
        return clock.millis();
    }

    private <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
        lock.lock();
        try (PreparedStatement statement = prepare(sql, args); ResultSet rs = statement.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
            return rows;
        } catch (SQLException e) {
            throw new StoreException("store query failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void update(String sql, Object... args) {
        lock.lock();
        try (PreparedStatement statement = prepare(sql, args)) {
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("store update failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs work atomically; nested calls join the outer transaction (the lock is reentrant). */
    private <T> T transaction(Work<T> work) {
        lock.lock();
        try {
            if (!connection.getAutoCommit()) {
                return work.run();
            }
            connection.setAutoCommit(false);
            try {
                T result = work.run();
                connection.commit();
                return result;
            } catch (RuntimeException | SQLException e) {
                endQuietly("rollback", connection::rollback, e);
                throw e;
            } finally {
                endQuietly("end of transaction", () -> connection.setAutoCommit(true), null);
            }
        } catch (SQLException e) {
            throw new StoreException("store transaction failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends a transaction without letting that step hide why it ended. When a write or the commit
     * fails for want of disk (SQLITE_FULL, SQLITE_IOERR), SQLite has often rolled back already, and
     * a further rollback or commit fails with "no transaction is active": that error says nothing,
     * while the first one ("database or disk is full") is what the caller must see. sqlite-jdbc
     * records auto-commit before it runs the statement, so the connection is usable afterwards.
     */
    private static void endQuietly(String step, SqlStep action, Exception cause) {
        try {
            action.run();
        } catch (SQLException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                log.debug("{} failed after the transaction ended: {}", step, e.getMessage());
            }
        }
    }

    @FunctionalInterface
    private interface SqlStep {
        void run() throws SQLException;
    }

    private PreparedStatement prepare(String sql, Object... args) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            statement.setObject(i + 1, args[i]);
        }
        return statement;
    }

    private String encode(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode " + value + ": " + e.getMessage(), e);
        }
    }

    private <T> T decode(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot decode a stored " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static AppRecord app(ResultSet rs) throws SQLException {
        int active = rs.getInt("active_version");
        return new AppRecord(rs.getLong("id"), rs.getString("environment"), rs.getString("name"),
                rs.wasNull() ? null : active, rs.getInt("stopped") != 0,
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    private static VersionRecord version(ResultSet rs) throws SQLException {
        return new VersionRecord(rs.getLong("app_id"), rs.getInt("number"), rs.getString("artifact"),
                rs.getString("strategy"), VersionStatus.valueOf(rs.getString("status")),
                rs.getString("reason"), Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    private static ContainerRecord container(ResultSet rs) throws SQLException {
        return new ContainerRecord(rs.getString("id"), rs.getLong("app_id"), rs.getInt("version"),
                rs.getString("server"), ContainerState.valueOf(rs.getString("state")),
                rs.getString("address"), rs.getString("reason"),
                Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")));
    }
}
