package io.poseidon.deploy.local;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code ./poseidon dev --with-connect} adds to the {@link LocalStack}: a private
 * {@link PostgresServer} under {@code <dataDir>/postgres} (or the user's own server,
 * {@value #ENV_POSTGRES_URL}), a {@link ConnectWorker} under {@code <dataDir>/connect}, and the shipped
 * sink connectors registered on it. {@link #close()} stops the worker, then the database.
 */
public final class ConnectStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectStack.class);

    public static final String FLAG = "--with-connect";
    public static final String ENV_POSTGRES_URL = "POSEIDON_POSTGRES_URL";
    public static final String ENV_POSTGRES_PORT = "POSEIDON_POSTGRES_PORT";
    public static final String ENV_CONNECT_PORT = "POSEIDON_CONNECT_PORT";
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    /**
     * @param postgresUrl the user's own server ({@code postgresql://user:password@host:port/db} or
     *                    {@code jdbc:postgresql://host:port/db?user=..&password=..}), or null for the private one
     */
    public record Config(boolean enabled, int postgresPort, int connectPort, String postgresUrl) {

        /**
         * Takes {@value #FLAG}, {@code --postgres-port N} and {@code --connect-port N} out of {@code args} (what
         * is left goes to {@link LocalStackConfig#fromArgs}), over {@value #ENV_POSTGRES_PORT},
         * {@value #ENV_CONNECT_PORT} and {@value #ENV_POSTGRES_URL}.
         */
        public static Config take(List<String> args, Map<String, String> env) {
            boolean enabled = false;
            int postgres = port(env.get(ENV_POSTGRES_PORT), ENV_POSTGRES_PORT, PostgresServer.DEFAULT_PORT);
            int connect = port(env.get(ENV_CONNECT_PORT), ENV_CONNECT_PORT, ConnectWorker.DEFAULT_PORT);
            for (int i = 0; i < args.size(); ) {
                String arg = args.get(i);
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                if (arg.equals(FLAG)) {
                    enabled = true;
                    args.remove(i);
                } else if (name.equals("--postgres-port") || name.equals("--connect-port")) {
                    String value;
                    if (arg.contains("=")) {
                        value = arg.substring(arg.indexOf('=') + 1);
                        args.remove(i);
                    } else {
                        if (i + 1 >= args.size()) {
                            throw new IllegalArgumentException("Missing value after " + name);
                        }
                        value = args.get(i + 1);
                        args.remove(i);
                        args.remove(i);
                    }
                    if (name.equals("--postgres-port")) {
                        postgres = port(value, name, postgres);
                    } else {
                        connect = port(value, name, connect);
                    }
                } else {
                    i++;
                }
            }
            String url = env.get(ENV_POSTGRES_URL);
            return new Config(enabled, postgres, connect, url == null || url.isBlank() ? null : url.strip());
        }

        private static int port(String value, String source, int fallback) {
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                int port = Integer.parseInt(value.strip());
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + " must be a port number (0-65535), got '" + value + "'");
            }
        }
    }

    private final PostgresServer postgres;
    private final ConnectWorker.Database database;
    private final ConnectWorker worker;
    private final List<String> connectors;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ConnectStack(PostgresServer postgres, ConnectWorker.Database database, ConnectWorker worker,
            List<String> connectors) {
        this.postgres = postgres;
        this.database = database;
        this.worker = worker;
        this.connectors = connectors;
    }

    /**
     * Fails fast, before anything of the stack starts, when a port the sinks need is taken (0 is never
     * taken); the message names the flag and the variable that choose another.
     */
    public static void checkPorts(Config config) {
        if (config.postgresUrl() == null && config.postgresPort() != 0 && !Ports.isFree(config.postgresPort())) {
            throw new LocalStackException(PostgresServer.portInUse(config.postgresPort()));
        }
        if (config.connectPort() != 0 && !Ports.isFree(config.connectPort())) {
            throw new LocalStackException(ConnectWorker.portInUse(config.connectPort()));
        }
    }

    /** Starts the database (unless the config names one) and the worker, and registers every shipped connector. */
    public static ConnectStack start(LocalStack stack, Config config) {
        return start(stack.dataDir(), stack.bootstrapServers(), stack.registryUrl(), config,
                ConnectWorker.shippedConnectors());
    }

    /** As {@link #start(LocalStack, Config)}, on any broker and registry, with the given connector files. */
    public static ConnectStack start(Path dataDir, String bootstrapServers, String registryUrl, Config config,
            List<Path> connectorFiles) {
        PostgresServer postgres = null;
        ConnectWorker.Database database;
        if (config.postgresUrl() != null) {
            database = parse(config.postgresUrl());
            LOG.info("Sinks write to the PostgreSQL server of {} ({})", ENV_POSTGRES_URL, database.jdbcUrl());
        } else {
            postgres = PostgresServer.start(dataDir.resolve("postgres"), config.postgresPort(), START_TIMEOUT);
            database = new ConnectWorker.Database(postgres.jdbcUrl(), PostgresServer.USER, "");
        }
        ConnectWorker worker = null;
        try {
            worker = ConnectWorker.start(dataDir.resolve("connect"), config.connectPort(), bootstrapServers, registryUrl,
                    database, START_TIMEOUT);
            List<String> names = worker.register(connectorFiles, START_TIMEOUT);
            return new ConnectStack(postgres, database, worker, names);
        } catch (RuntimeException | Error e) {
            if (worker != null) {
                worker.close();
            }
            if (postgres != null) {
                postgres.close();
            }
            throw e;
        }
    }

    /**
     * {@code postgresql://user:password@host:port/db} (libpq's URI) or {@code jdbc:postgresql://host:port/db}
     * with optional {@code user} / {@code password} parameters (user defaults to {@value PostgresServer#USER}).
     */
    static ConnectWorker.Database parse(String url) {
        String text = url.strip();
        if (text.startsWith("jdbc:postgresql://")) {
            URI uri = URI.create(text.substring("jdbc:".length()));
            Map<String, String> params = query(uri.getRawQuery());
            return new ConnectWorker.Database(text, params.getOrDefault("user", PostgresServer.USER),
                    params.getOrDefault("password", ""));
        }
        if (text.startsWith("postgresql://") || text.startsWith("postgres://")) {
            URI uri = URI.create(text);
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(ENV_POSTGRES_URL + " has no host: " + url);
            }
            String user = PostgresServer.USER;
            String password = "";
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = decode(parts[0]);
                password = parts.length > 1 ? decode(parts[1]) : "";
            }
            String db = uri.getPath() == null || uri.getPath().length() <= 1 ? PostgresServer.DATABASE : uri.getPath().substring(1);
            int port = uri.getPort() < 0 ? PostgresServer.DEFAULT_PORT : uri.getPort();
            String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + port + "/" + db
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            return new ConnectWorker.Database(jdbc, user, password);
        }
        throw new IllegalArgumentException(ENV_POSTGRES_URL + " must be postgresql://user:password@host:port/database or "
                + "jdbc:postgresql://host:port/database, got '" + url + "'");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The private server, or null when the sinks write to the user's own. */
    public PostgresServer postgres() {
        return postgres;
    }

    public ConnectWorker.Database database() {
        return database;
    }

    public ConnectWorker worker() {
        return worker;
    }

    public List<String> connectors() {
        return connectors;
    }

    /** Stops the worker, then the private database. Calling it again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            worker.close();
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }
}
