package io.poseidon.deploy.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server of the local stack run as a child process under the same supervisor as the registry
 * ({@link RegistryServer#SUPERVISOR_SCRIPT}): when this JVM dies, even by SIGKILL, the supervisor's stdin
 * reaches end-of-file and it stops the server; a pid file ({@code <name>.pid}) lets the next start stop a
 * server left over all the same. Output goes to {@code <dir>/<name>.log}. PostgreSQL and the Kafka
 * Connect worker of {@code ./poseidon dev --with-connect} run this way.
 */
public final class SupervisedProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 30;

    private final String name;
    private final Path dir;
    private final Process supervisor;
    private final ProcessHandle server;
    private final long logStart;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SupervisedProcess(String name, Path dir, Process supervisor, ProcessHandle server, long logStart) {
        this.name = name;
        this.dir = dir;
        this.supervisor = supervisor;
        this.server = server;
        this.logStart = logStart;
    }

    /**
     * Starts {@code command} in {@code dir} (created if missing) after stopping a leftover of the same name
     * whose command line contains {@code marker}.
     *
     * @param name   what it is, in file names and messages ({@code postgres}, {@code connect})
     * @param marker a string only this server's command line holds (its directory, say)
     */
    public static SupervisedProcess start(String name, Path dir, List<String> command, Map<String, String> env,
            String marker) {
        Path directory = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new LocalStackException("Cannot create " + directory + ": " + e.getMessage(), e);
        }
        stopLeftover(name, directory, marker);
        Path log = directory.resolve(name + ".log");
        Path pidFile = directory.resolve(name + ".pid");
        long logStart;
        try {
            Files.deleteIfExists(pidFile);
            Files.writeString(log, "=== Poseidon: starting " + name + " at " + Instant.now() + " ===" + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            logStart = Files.size(log);
        } catch (IOException e) {
            throw new LocalStackException("Cannot write " + log + ": " + e.getMessage(), e);
        }
        List<String> full = new ArrayList<>(List.of("/bin/sh", "-c", RegistryServer.SUPERVISOR_SCRIPT, "poseidon-" + name));
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().putAll(env);
        // the supervisor script's name for the pid file (it was the registry's first)
        builder.environment().put("POSEIDON_REGISTRY_PIDFILE", pidFile.toString());
        Process supervisor;
        try {
            supervisor = builder.start();
        } catch (IOException e) {
            throw new LocalStackException("Cannot start " + name + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ProcessHandle server = null;
        while (server == null && System.nanoTime() < deadline) {
            OptionalLong pid = RegistryServer.readPid(pidFile);
            if (pid.isPresent()) {
                server = ProcessHandle.of(pid.getAsLong()).orElse(null);
            } else if (!supervisor.isAlive()) {
                break;
            } else {
                EmbeddedKafka.sleep(20);
            }
        }
        if (server == null) {
            server = supervisor.toHandle();
        }
        return new SupervisedProcess(name, directory, supervisor, server, logStart);
    }

    /**
     * Waits until {@code ready} answers true; throws a {@link LocalStackException} with the last lines of
     * the log when the process exits first or {@code timeout} passes (the process is stopped then).
     */
    public void awaitReady(Duration timeout, BooleanSupplier ready, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!server.isAlive()) {
                close();
                throw new LocalStackException(what + " exited during startup (log: " + logFile() + "). Last lines of its log:"
                        + System.lineSeparator() + RegistryServer.tail(logFile(), logStart, LOG_TAIL_LINES));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new LocalStackException(what + " did not become ready within " + timeout.toSeconds() + " s (log: "
                        + logFile() + "). Last lines of its log:" + System.lineSeparator()
                        + RegistryServer.tail(logFile(), logStart, LOG_TAIL_LINES));
            }
            EmbeddedKafka.sleep(200);
        }
    }

    /** The last lines its log got since this start. */
    public String logTail() {
        return RegistryServer.tail(logFile(), logStart, LOG_TAIL_LINES);
    }

    public Path logFile() {
        return dir.resolve(name + ".log");
    }

    public long pid() {
        return server.pid();
    }

    public boolean isAlive() {
        return server.isAlive();
    }

    /**
     * Stops the server: {@code beforeStop} first (a graceful stop of its own, may be null), then SIGTERM
     * through the supervisor, SIGKILL after 20 s. Calling it again does nothing.
     */
    public void close(Runnable beforeStop) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (beforeStop != null && server.isAlive()) {
            try {
                beforeStop.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: graceful stop failed ({}); stopping it with SIGTERM", name, e.toString());
            }
        }
        try {
            supervisor.getOutputStream().close();
        } catch (IOException ignored) {
            // already closed
        }
        supervisor.destroy();
        stop(name, server);
        try {
            if (!supervisor.waitFor(5, TimeUnit.SECONDS)) {
                supervisor.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            supervisor.destroyForcibly();
        }
        try {
            Files.deleteIfExists(dir.resolve(name + ".pid"));
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public void close() {
        close(null);
    }

    /** Stops a server of {@code name} left running from a previous start on {@code dir}. */
    static void stopLeftover(String name, Path dir, String marker) {
        Path pidFile = dir.resolve(name + ".pid");
        OptionalLong pid = RegistryServer.readPid(pidFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
        if (handle.isPresent() && RegistryServer.commandLine(pid.getAsLong()).contains(marker)) {
            LOG.warn("Found {} process {} left over from a previous run on {}; stopping it", name, pid.getAsLong(), dir);
            stop(name, handle.get());
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void stop(String name, ProcessHandle handle) {
        stop(name, handle, STOP_GRACE);
    }

    /** SIGTERM, then SIGKILL after {@code grace}, and waits for the exit (the registry's stop too). */
    static void stop(String name, ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("{} process {} did not stop within {} s; killing it", name, handle.pid(), grace.toSeconds());
            handle.destroyForcibly();
            try {
                handle.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e2) {
                if (e2 instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("{} process {} is still alive after SIGKILL", name, handle.pid());
            }
        }
    }
}
