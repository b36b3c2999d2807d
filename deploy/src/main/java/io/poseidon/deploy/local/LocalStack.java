package io.poseidon.deploy.local;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local Poseidon stack: an {@link EmbeddedKafka} broker in this JVM and a {@link RegistryServer}
 * child process, both on 127.0.0.1, with their data under one directory:
 *
 * <pre>
 * &lt;dataDir&gt;/stack.lock      exclusive lock (pid of the holder)
 * &lt;dataDir&gt;/kafka/logs/     Kafka log and metadata directory
 * &lt;dataDir&gt;/registry/       registry.log, registry.pid, registry.mv.db (H2)
 * </pre>
 *
 * <p>Start with {@link #start(LocalStackConfig)}; {@link #close()} stops the broker, then the registry,
 * then releases the lock (idempotent). Nothing global is registered: callers that want the stack
 * stopped on JVM exit add their own shutdown hook.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final Path dataDir;
    private final StackLock lock;
    private final RegistryServer registry;
    private final EmbeddedKafka kafka;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalStack(Path dataDir, StackLock lock, RegistryServer registry, EmbeddedKafka kafka, Duration startupTime) {
        this.dataDir = dataDir;
        this.lock = lock;
        this.registry = registry;
        this.kafka = kafka;
        this.startupTime = startupTime;
    }

    /**
     * Locks the data directory, then starts the registry process and the broker in parallel and
     * returns once both are ready.
     *
     * @throws LocalStackException with a message for the user: the directory is used by another
     *                             stack, a port is taken, the registry did not come up, ...
     */
    public static LocalStack start(LocalStackConfig config) {
        long begin = System.nanoTime();
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        StackLock lock = StackLock.acquire(dataDir);
        try {
            Path registryDir = dataDir.resolve("registry");
            // A registry orphaned by a killed predecessor holds the registry port and the H2 file.
            RegistryServer.stopLeftover(registryDir);
            // Fail fast on a missing registry distribution, before anything is started.
            Path registryHome = config.registryHome() != null
                    ? RegistryHome.check(config.registryHome(), "LocalStackConfig.registryHome")
                    : RegistryHome.find();
            Ports.ensureKafkaPortFree(config.kafkaPort());
            Ports.ensureRegistryPortFree(config.registryPort());
            int kafkaPort = Ports.resolve(config.kafkaPort());
            int registryPort = config.registryPort();
            if (registryPort == 0) {
                do {
                    registryPort = Ports.freePort();
                } while (registryPort == kafkaPort);
            } else if (registryPort == kafkaPort) {
                throw new LocalStackException("Kafka and the registry cannot both use port " + kafkaPort
                        + ". Choose another port with --kafka-port / --registry-port.");
            }

            int finalRegistryPort = registryPort;
            CompletableFuture<RegistryServer> registryFuture = new CompletableFuture<>();
            Thread registryStarter = new Thread(() -> {
                try {
                    registryFuture.complete(RegistryServer.start(registryDir, finalRegistryPort,
                            config.registryStartTimeout(), registryHome));
                } catch (Throwable t) {
                    registryFuture.completeExceptionally(t);
                }
            }, "poseidon-registry-starter");
            registryStarter.setDaemon(true);
            registryStarter.start();

            EmbeddedKafka kafka;
            try {
                kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), kafkaPort);
            } catch (RuntimeException | Error kafkaFailure) {
                awaitQuietly(registryFuture).ifPresent(RegistryServer::close);
                throw kafkaFailure;
            }
            RegistryServer registry;
            try {
                registry = await(registryFuture);
            } catch (RuntimeException | Error registryFailure) {
                kafka.close();
                throw registryFailure;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - begin);
            LOG.info("Poseidon local stack ready in {} ms: Kafka {} , registry {} (data {})", took.toMillis(),
                    kafka.bootstrapServers(), registry.url(), dataDir);
            return new LocalStack(dataDir, lock, registry, kafka, took);
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /** {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** {@code http://127.0.0.1:PORT/apis/registry/v2} (the value of {@code apicurio.registry.url}). */
    public String registryUrl() {
        return registry.url();
    }

    /** The stack's directory, absolute. */
    public Path dataDir() {
        return dataDir;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public RegistryServer registry() {
        return registry;
    }

    /** How long {@link #start} took. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Stops the broker, then the registry, then releases the lock. Calling it again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            kafka.close();
        } finally {
            try {
                registry.close();
            } finally {
                lock.close();
            }
        }
        LOG.info("Poseidon local stack on {} stopped", dataDir);
    }

    private static RegistryServer await(CompletableFuture<RegistryServer> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.thenAccept(RegistryServer::close);
            throw new LocalStackException("Interrupted while starting the registry", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new LocalStackException("Registry failed to start: " + cause, cause);
        }
    }

    private static java.util.Optional<RegistryServer> awaitQuietly(CompletableFuture<RegistryServer> future) {
        try {
            return java.util.Optional.of(await(future));
        } catch (RuntimeException e) {
            LOG.debug("Registry start failed too", e);
            return java.util.Optional.empty();
        }
    }

    /** Deletes a directory tree (best effort for files that vanish meanwhile). */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
