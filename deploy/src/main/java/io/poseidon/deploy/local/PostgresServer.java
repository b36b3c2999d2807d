package io.poseidon.deploy.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL cluster for the Connect sinks of the local stack: Debian's PostgreSQL binaries
 * ({@code apt-get install postgresql}; none is downloaded), a cluster in {@code <dir>/data} made by
 * {@code initdb} on the first start, listening on {@value Ports#HOST} only, database and superuser
 * {@value #DATABASE}, {@code trust} authentication (a private cluster on loopback: no password prompt).
 * The server runs as a {@link SupervisedProcess}; {@link #close()} stops it with a fast shutdown.
 *
 * <p>PostgreSQL refuses to run as root: started by root (a CI machine, a container), the cluster belongs
 * to the {@code postgres} user the Debian package creates and its programs run as that user
 * ({@code setpriv}).
 */
public final class PostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    public static final String DATABASE = "poseidon";
    public static final String USER = "poseidon";
    public static final int DEFAULT_PORT = 5432;
    static final String OS_USER = "postgres";
    static final String INSTALL_HINT = "PostgreSQL is not installed: apt-get install -y postgresql "
            + "(its server binaries initdb and postgres are used; nothing is started system-wide), "
            + "or give your own server as POSEIDON_POSTGRES_URL";

    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean asRoot;
    private final SupervisedProcess process;

    private PostgresServer(Path dir, Path bin, int port, boolean asRoot, SupervisedProcess process) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.asRoot = asRoot;
        this.process = process;
    }

    /**
     * Starts (after creating it on the first start) the cluster in {@code dir} on {@code port} and makes
     * sure database {@value #DATABASE} exists.
     *
     * @param port the port on 127.0.0.1, 0 for a free one
     * @throws LocalStackException when PostgreSQL is missing, the port is taken, or the server does not start
     */
    public static PostgresServer start(Path dir, int port, Duration timeout) {
        long begin = System.nanoTime();
        Path directory = dir.toAbsolutePath().normalize();
        Path bin = binaries().orElseThrow(() -> new LocalStackException(INSTALL_HINT));
        SupervisedProcess.stopLeftover("postgres", directory, "-D " + directory.resolve("data"));
        if (port != 0 && !Ports.isFree(port)) {
            throw new LocalStackException(portInUse(port));
        }
        int resolved = Ports.resolve(port);
        boolean asRoot = isRoot();
        try {
            Files.createDirectories(directory);
            if (asRoot) {
                chownTree(directory, OS_USER);
            }
        } catch (IOException e) {
            throw new LocalStackException("Cannot prepare " + directory + ": " + e.getMessage(), e);
        }
        Path data = directory.resolve("data");
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            initdb(bin, data, asRoot, directory.resolve("initdb.log"));
        }
        List<String> command = asUser(asRoot, List.of(bin.resolve("postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(resolved), "-k", directory.toString(), "-c", "listen_addresses=" + Ports.HOST,
                "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"));
        SupervisedProcess process = SupervisedProcess.start("postgres", directory, command, Map.of(),
                "-D " + data);
        PostgresServer server = new PostgresServer(directory, bin, resolved, asRoot, process);
        process.awaitReady(timeout, server::accepting, "PostgreSQL on port " + resolved);
        try {
            server.ensureDatabase();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("PostgreSQL ready on {}:{} (database {}, data {}) in {} ms", Ports.HOST, resolved, DATABASE, data,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return server;
    }

    static String portInUse(int port) {
        return "PostgreSQL port " + port + " on " + Ports.HOST + " is already in use (a PostgreSQL server of the "
                + "machine, or another Poseidon stack?). Choose another port with --postgres-port N / "
                + "POSEIDON_POSTGRES_PORT, or use that server with POSEIDON_POSTGRES_URL=postgresql://user:password@host:port/db.";
    }

    /** True when PostgreSQL's server programs are on this machine. */
    public static boolean installed() {
        return binaries().isPresent();
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/poseidon}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + Ports.HOST + ":" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    /** Runs {@code sql} with psql as {@value #USER} on {@value #DATABASE} and returns its unaligned output. */
    public String psql(String sql) {
        return run(List.of(bin.resolve("psql").toString(), "-h", Ports.HOST, "-p", Integer.toString(port), "-U", USER,
                "-d", DATABASE, "-v", "ON_ERROR_STOP=1", "-tA", "-c", sql), "psql");
    }

    /** Fast shutdown ({@code pg_ctl stop -m fast}), then the supervisor's stop. Calling it again does nothing. */
    @Override
    public void close() {
        process.close(() -> run(asUser(asRoot, List.of(bin.resolve("pg_ctl").toString(), "stop", "-D",
                dataDir().toString(), "-m", "fast", "-w", "-t", "20")), "pg_ctl stop"));
        LOG.info("PostgreSQL on port {} stopped", port);
    }

    private boolean accepting() {
        try {
            Process p = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", Ports.HOST, "-p",
                    Integer.toString(port), "-q").redirectErrorStream(true).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void ensureDatabase() {
        String exists = run(List.of(bin.resolve("psql").toString(), "-h", Ports.HOST, "-p", Integer.toString(port),
                "-U", USER, "-d", "postgres", "-tA", "-c", "select 1 from pg_database where datname = '" + DATABASE + "'"),
                "psql");
        if (!exists.strip().equals("1")) {
            run(List.of(bin.resolve("createdb").toString(), "-h", Ports.HOST, "-p", Integer.toString(port), "-U", USER,
                    DATABASE), "createdb");
        }
    }

    private static void initdb(Path bin, Path data, boolean asRoot, Path log) {
        LOG.info("Creating a PostgreSQL cluster in {} (initdb, superuser {}, trust on loopback)", data, USER);
        List<String> command = asUser(asRoot, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new LocalStackException("initdb failed for " + data + " (log: " + log + "):" + System.lineSeparator()
                        + RegistryServer.tail(log, 0, 20)
                        + (asRoot ? System.lineSeparator() + "  (run as root, the cluster belongs to the postgres user: "
                                + "every directory above " + data + " must be readable by it)" : ""));
            }
        } catch (IOException e) {
            throw new LocalStackException("Cannot run initdb: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("Interrupted while running initdb", e);
        }
    }

    private static String run(List<String> command, String what) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new LocalStackException(what + " failed: " + new String(out, StandardCharsets.UTF_8).strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LocalStackException("Cannot run " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("Interrupted while running " + what, e);
        }
    }

    /** {@code command} as the postgres user when this JVM runs as root ({@code setpriv}, which execs: same pid). */
    private static List<String> asUser(boolean asRoot, List<String> command) {
        if (!asRoot) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER,
                "--init-groups"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * The directory of PostgreSQL's server programs: the one of {@code initdb} on the PATH, else Debian's
     * newest {@code /usr/lib/postgresql/N/bin} (Debian keeps them off the PATH).
     */
    static Optional<Path> binaries() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(":")) {
            if (entry.isEmpty()) {
                continue;
            }
            Path initdb = Path.of(entry, "initdb");
            if (Files.isExecutable(initdb)) {
                try {
                    Path real = initdb.toRealPath().getParent();
                    if (Files.isExecutable(real.resolve("postgres"))) {
                        return Optional.of(real);
                    }
                } catch (IOException ignored) {
                    // dangling link: look further
                }
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(debian)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(debian)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparingInt(PostgresServer::majorOf));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int majorOf(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void chownTree(Path root, String user) throws IOException {
        UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal owner;
        GroupPrincipal group;
        try {
            owner = lookup.lookupPrincipalByName(user);
            group = lookup.lookupPrincipalByGroupName(user);
        } catch (IOException e) {
            throw new LocalStackException("Running as root, PostgreSQL needs the '" + user + "' user that the Debian "
                    + "package creates (apt-get install -y postgresql); it does not exist here");
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                view.setOwner(owner);
                view.setGroup(group);
            }
        }
    }
}
