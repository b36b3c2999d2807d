package io.poseidon.deploy.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry 2.6 server, run as a child process of this JVM from the unpacked
 * distribution (see {@link RegistryHome}), bound to {@value Ports#HOST}, storing its schemas in an H2
 * file database under its directory so that they survive a restart.
 *
 * <p>Files in the registry directory: {@code registry.log} (the server's stdout and stderr),
 * {@code registry.pid} (the server's pid while it runs) and {@code registry.mv.db} (the schemas).
 *
 * <p>Orphan protection. The server is launched through a small {@code /bin/sh} supervisor whose
 * standard input is a pipe held by this JVM: when this JVM dies, even by SIGKILL, the pipe reaches
 * end-of-file and the supervisor stops the server (SIGTERM, then SIGKILL after 10 s); once the server is
 * gone nothing of the supervisor is left either. As a second line of defence, {@link #start} looks at
 * a pid file left by a previous run and stops a server process still alive from it.
 */
public final class RegistryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryServer.class);

    /** Default time allowed for the server to answer {@code /health/ready}. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);

    /** The REST base path the Apicurio 2.x serdes use. */
    public static final String API_PATH = "/apis/registry/v2";

    static final String LOG_FILE = "registry.log";
    static final String PID_FILE = "registry.pid";
    static final String PROCESS_MARKER = "apicurio-registry-app";
    private static final String DIR_PROPERTY = "-Dposeidon.registry.dir=";
    private static final int LOG_TAIL_LINES = 30;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /*
     * The supervisor. $1.. is the server's command line; POSEIDON_REGISTRY_PIDFILE is where the
     * server's pid goes. fd 3 is a copy of our stdin (a pipe whose write end only the parent JVM
     * holds): a background job's stdin is /dev/null in a non-interactive shell, so the watcher reads
     * fd 3 instead; the server gets fd 3 closed so that it never holds the pipe itself.
     *
     * On end-of-file the watcher asks the server to stop (SIGTERM) and gives it 10 s before SIGKILL.
     * The watcher runs in a process group of its own (setsid), so when the server is gone the supervisor
     * kills that whole group — the watcher and its pending sleep — and nothing of the supervisor outlives
     * it (a plain "sleep 10" used to be left to PID 1 for ten seconds after every stop). A watcher that
     * has not reached setsid yet (the server died at once) is killed by its pid: it has no children then.
     */
    static final String WATCHER_SCRIPT = "while read -r _ <&3; do :; done; kill -TERM \"$1\" 2>/dev/null; sleep 10; "
            + "kill -0 \"$1\" 2>/dev/null && kill -KILL \"$1\" 2>/dev/null";

    static final String SUPERVISOR_SCRIPT = String.join("\n",
            "exec 3<&0",
            "\"$@\" 3<&- </dev/null &",
            "child=$!",
            "echo \"$child\" > \"$POSEIDON_REGISTRY_PIDFILE.tmp\" && mv -f \"$POSEIDON_REGISTRY_PIDFILE.tmp\" \"$POSEIDON_REGISTRY_PIDFILE\"",
            "trap 'kill -TERM \"$child\" 2>/dev/null' TERM INT HUP",
            "setsid /bin/sh -c '" + WATCHER_SCRIPT + "' poseidon-registry-watcher \"$child\" &",
            "watcher=$!",
            "exec 3<&-",
            "wait \"$child\"; status=$?",
            "while kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; status=$?; done",
            "kill -KILL \"-$watcher\" 2>/dev/null || kill -KILL \"$watcher\" 2>/dev/null",
            "wait \"$watcher\" 2>/dev/null",
            "exit $status",
            "");

    private final Process supervisor;
    private final ProcessHandle server;
    private final int port;
    private final Path dir;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RegistryServer(Process supervisor, ProcessHandle server, int port, Path dir) {
        this.supervisor = supervisor;
        this.server = server;
        this.port = port;
        this.dir = dir;
    }

    /** Starts a server with the distribution found by {@link RegistryHome#find()}. */
    public static RegistryServer start(Path registryDir, int port, Duration startTimeout) {
        return start(registryDir, port, startTimeout, null);
    }

    /**
     * Starts a server whose files live in {@code registryDir} (created if missing) and waits until
     * {@code GET /health/ready} answers 200.
     *
     * @param port         the HTTP port on 127.0.0.1, or 0 to pick a free one
     * @param startTimeout how long to wait for readiness
     * @param registryHome the unpacked distribution, or null to use {@link RegistryHome#find()}
     * @throws LocalStackException when the port is taken, the distribution is missing, or the server
     *                             exits or is not ready in time (the message ends with the last
     *                             lines of its log)
     */
    public static RegistryServer start(Path registryDir, int port, Duration startTimeout, Path registryHome) {
        long begin = System.nanoTime();
        Path dir = registryDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LocalStackException("Cannot create the registry directory " + dir + ": " + e.getMessage(), e);
        }
        stopLeftover(dir);
        Ports.ensureRegistryPortFree(port);
        Path home = registryHome != null
                ? RegistryHome.check(registryHome, "the configured registry home")
                : RegistryHome.find();
        int httpPort = Ports.resolve(port);

        Path log = dir.resolve(LOG_FILE);
        Path pidFile = dir.resolve(PID_FILE);
        long logStart;
        try {
            Files.deleteIfExists(pidFile);
            Files.writeString(log, "=== Poseidon: starting Apicurio Registry on " + Ports.HOST + ":" + httpPort
                            + " at " + Instant.now() + " ===" + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            logStart = Files.size(log);
        } catch (IOException e) {
            throw new LocalStackException("Cannot write " + log + ": " + e.getMessage(), e);
        }

        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", SUPERVISOR_SCRIPT, "poseidon-registry"));
        command.addAll(serverCommand(home, httpPort, dir));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("REGISTRY_DATASOURCE_URL",
                "jdbc:h2:file:" + dir.resolve("registry") + ";DB_CLOSE_ON_EXIT=FALSE");
        builder.environment().put("POSEIDON_REGISTRY_PIDFILE", pidFile.toString());

        Process supervisor;
        try {
            supervisor = builder.start();
        } catch (IOException e) {
            throw new LocalStackException("Cannot start the Apicurio Registry process: " + e.getMessage(), e);
        }
        ProcessHandle serverHandle = awaitServerPid(supervisor, pidFile);
        RegistryServer registry = new RegistryServer(supervisor, serverHandle, httpPort, dir);
        try {
            registry.awaitReady(startTimeout, logStart);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        LOG.info("Apicurio Registry {} ready on {} (pid {}, data {}) in {} ms", RegistryHome.version(), registry.url(),
                serverHandle.pid(), dir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return registry;
    }

    /** The server's command line (without the supervisor). */
    static List<String> serverCommand(Path home, int httpPort, Path dir) {
        return List.of(
                javaBinary(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                DIR_PROPERTY + dir,
                "-Dquarkus.http.host=" + Ports.HOST,
                "-Dquarkus.http.port=" + httpPort,
                // the Confluent-compatible API answers content ids, the ids in Poseidon's values (docs/adr/0018)
                "-Dregistry.ccompat.legacy-id-mode.enabled=false",
                "-jar",
                home.resolve(RegistryHome.runnerJarName()).toString());
    }

    /** The java launcher of the running JVM. */
    static String javaBinary() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * Stops a registry server left running by a previous run on {@code registryDir} (its pid file
     * names a live process whose command line is an Apicurio Registry of this directory). Logs a WARN
     * when it does. Returns true if a process was stopped.
     */
    public static boolean stopLeftover(Path registryDir) {
        Path dir = registryDir.toAbsolutePath().normalize();
        Path pidFile = dir.resolve(PID_FILE);
        OptionalLong pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
        if (handle.isEmpty() || !isRegistryOf(pid.getAsLong(), dir)) {
            deleteQuietly(pidFile);
            return false;
        }
        LOG.warn("Found Apicurio Registry process {} left over from a previous run on {}; stopping it",
                pid.getAsLong(), dir);
        stopProcess(handle.get());
        deleteQuietly(pidFile);
        return true;
    }

    /** {@code http://127.0.0.1:PORT/apis/registry/v2}, what the Apicurio 2.x serdes need. */
    public String url() {
        return baseUrl() + API_PATH;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String baseUrl() {
        return "http://" + Ports.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** The pid of the registry server process (not of its supervisor shell). */
    public long pid() {
        return server.pid();
    }

    public Path logFile() {
        return dir.resolve(LOG_FILE);
    }

    public Path pidFile() {
        return dir.resolve(PID_FILE);
    }

    /** True while the server process runs. */
    public boolean isAlive() {
        return server.isAlive();
    }

    /**
     * Stops the server gracefully (SIGTERM; SIGKILL after 10 s) and waits for it. Calling it again
     * does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long begin = System.nanoTime();
        try {
            // EOF on the supervisor's stdin makes its watcher stop the server; SIGTERM makes the
            // supervisor forward SIGTERM. Either is enough.
            supervisor.getOutputStream().close();
        } catch (IOException ignored) {
            // already closed
        }
        supervisor.destroy();
        stopProcess(server);
        try {
            if (!supervisor.waitFor(5, TimeUnit.SECONDS)) {
                supervisor.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            supervisor.destroyForcibly();
        }
        if (readPid(pidFile()).orElse(-1) == server.pid()) {
            deleteQuietly(pidFile());
        }
        LOG.info("Apicurio Registry on {} stopped in {} ms", baseUrl(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    }

    private void awaitReady(Duration timeout, long logStart) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!server.isAlive() || !supervisor.isAlive()) {
                // the supervisor ends right after the server (it stops its watcher first) and exits with its code
                String code = exitsWithin(supervisor, Duration.ofSeconds(2)) ? " with code " + waitForExit(supervisor) : "";
                throw new LocalStackException("Apicurio Registry exited" + code + " during startup on port " + port
                        + " (log: " + logFile() + "). Last lines of its log:" + System.lineSeparator()
                        + tail(logFile(), logStart, LOG_TAIL_LINES));
            }
            try {
                HttpResponse<Void> response = http.send(ready, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LocalStackException("Interrupted while waiting for Apicurio Registry on " + baseUrl(), e);
            }
            if (System.nanoTime() > deadline) {
                throw new LocalStackException("Apicurio Registry did not become ready on " + baseUrl() + " within "
                        + timeout.toSeconds() + " s (log: " + logFile() + "). Last lines of its log:"
                        + System.lineSeparator() + tail(logFile(), logStart, LOG_TAIL_LINES));
            }
            EmbeddedKafka.sleep(200);
        }
    }

    private static ProcessHandle awaitServerPid(Process supervisor, Path pidFile) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            OptionalLong pid = readPid(pidFile);
            if (pid.isPresent()) {
                Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong());
                if (handle.isPresent()) {
                    return handle.get();
                }
            }
            if (!supervisor.isAlive()) {
                break;
            }
            EmbeddedKafka.sleep(20);
        }
        // The supervisor died before writing the pid (or the server died at once): the caller's
        // readiness check reports it with the log.
        return supervisor.toHandle().children().findFirst().orElse(supervisor.toHandle());
    }

    static OptionalLong readPid(Path pidFile) {
        try {
            String text = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** True if {@code pid}'s command line is an Apicurio Registry started for {@code dir}. */
    static boolean isRegistryOf(long pid, Path dir) {
        String commandLine = commandLine(pid);
        return commandLine.contains(PROCESS_MARKER) && commandLine.contains(DIR_PROPERTY + dir);
    }

    /** {@code /proc/PID/cmdline} with NULs as spaces (ProcessHandle.Info where /proc is absent). */
    static String commandLine(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid), "cmdline");
        try {
            byte[] bytes = Files.readAllBytes(proc);
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == 0) {
                    bytes[i] = ' ';
                }
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
        }
    }

    private static void stopProcess(ProcessHandle handle) {
        SupervisedProcess.stop("Apicurio Registry", handle, STOP_GRACE);
    }

    private static boolean exitsWithin(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int waitForExit(Process process) {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The last {@code lines} lines of {@code file} from byte {@code from} on. */
    static String tail(Path file, long from, int lines) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long start = Math.max(from, length - 256 * 1024L);
            if (start > length) {
                start = 0;
            }
            byte[] bytes = new byte[(int) (length - start)];
            raf.seek(start);
            raf.readFully(bytes);
            String[] all = new String(bytes, StandardCharsets.UTF_8).split("\\R");
            int first = Math.max(0, all.length - lines);
            List<String> last = Arrays.asList(all).subList(first, all.length);
            return last.isEmpty() ? "(empty)" : "  " + String.join(System.lineSeparator() + "  ", last);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
