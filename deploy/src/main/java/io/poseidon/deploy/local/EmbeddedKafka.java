package io.poseidon.deploy.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker + controller) running inside this JVM from the
 * Kafka 4.3 jars, bound to {@value Ports#HOST}.
 *
 * <p>Its log directory is {@code <dataDir>/logs}. The storage is formatted the first time only
 * (when {@code meta.properties} is absent), so a restart on the same directory keeps topics,
 * committed offsets and transactional state. The controller listener gets its own free port on each
 * start; the quorum is static ({@code controller.quorum.voters}), so the port may change freely.
 *
 * <p>{@link #start} returns once an Admin client has been answered by {@code describeCluster}.
 * {@link #close()} is idempotent.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** The single node's id (broker and controller). */
    public static final int NODE_ID = 1;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, int port, int controllerPort, String clusterId) {
        this.server = server;
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
    }

    /**
     * Starts a broker whose data lives under {@code dataDir} (created if missing).
     *
     * @param port the client port on 127.0.0.1, or 0 to pick a free one
     * @throws LocalStackException when the port is taken or the broker does not come up
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return start(dataDir, port, Map.of());
    }

    /**
     * Like {@link #start(Path, int)}, with broker settings that override the defaults of
     * {@link #defaultConfig}.
     */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides) {
        long begin = System.nanoTime();
        Ports.ensureKafkaPortFree(port);
        int brokerPort = Ports.resolve(port);
        int controllerPort = Ports.freePort();
        Path absDir = dataDir.toAbsolutePath().normalize();
        Path logDir = absDir.resolve("logs");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new LocalStackException("Cannot create the Kafka data directory " + logDir + ": " + e.getMessage(), e);
        }

        Map<String, String> props = defaultConfig(logDir, brokerPort, controllerPort);
        props.putAll(overrides);
        Properties properties = new Properties();
        properties.putAll(props);
        KafkaConfig config = new KafkaConfig(properties, false);

        String clusterId = formatIfNeeded(config, logDir);

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        EmbeddedKafka kafka = new EmbeddedKafka(server, absDir, brokerPort, controllerPort, clusterId);
        try {
            server.startup();
            kafka.awaitReady();
        } catch (RuntimeException e) {
            kafka.close();
            if (isBindFailure(e)) {
                throw new LocalStackException(Ports.kafkaPortInUse(brokerPort), e);
            }
            throw new LocalStackException("Kafka broker failed to start on " + kafka.bootstrapServers()
                    + " (data: " + absDir + "): " + e, e);
        }
        LOG.info("Kafka {} ready on {} (cluster {}, data {}) in {} ms", kafkaVersion(), kafka.bootstrapServers(),
                clusterId, absDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return kafka;
    }

    /** The broker settings used for a node on the given directory and ports. */
    public static Map<String, String> defaultConfig(Path logDir, int port, int controllerPort) {
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + Ports.HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + Ports.HOST + ":" + port + ",CONTROLLER://" + Ports.HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + Ports.HOST + ":" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("metadata.log.dir", logDir.toString());

        // A single node: every internal topic has one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        // After a crash (kill -9) the restarted broker must wait for its previous registration's
        // session to expire before it may register again: keep that short (default 9 s).
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("broker.session.timeout.ms", "2000");

        // Small footprint for a developer machine.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        p.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "2");
        p.put("background.threads", "4");
        return p;
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return Ports.HOST + ":" + port;
    }

    /** The client (PLAINTEXT) port. */
    public int port() {
        return port;
    }

    /** The controller listener's port (changes on every start). */
    public int controllerPort() {
        return controllerPort;
    }

    /** The directory given to {@link #start}, absolute. */
    public Path dataDir() {
        return dataDir;
    }

    /** The cluster id written by the first format of {@link #dataDir()}. */
    public String clusterId() {
        return clusterId;
    }

    /** Stops the broker and waits for it. Calling it again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long begin = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Kafka broker on {} did not shut down cleanly: {}", bootstrapServers(), e.toString());
        }
        LOG.info("Kafka on {} stopped in {} ms", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    }

    private static String formatIfNeeded(KafkaConfig config, Path logDir) {
        Path metaProperties = logDir.resolve("meta.properties");
        if (Files.exists(metaProperties)) {
            return readClusterId(metaProperties);
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(print)
                    .setClusterId(clusterId)
                    .setNodeId(NODE_ID)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(List.of(logDir.toString()))
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .run();
        } catch (Exception e) {
            throw new LocalStackException("Cannot format Kafka storage in " + logDir + ": " + e.getMessage()
                    + System.lineSeparator() + out.toString(StandardCharsets.UTF_8), e);
        }
        LOG.info("Formatted Kafka storage in {} (cluster {}, metadata version {})", logDir, clusterId,
                MetadataVersion.latestProduction());
        return clusterId;
    }

    private static String readClusterId(Path metaProperties) {
        Properties meta = new Properties();
        try (var in = Files.newInputStream(metaProperties)) {
            meta.load(in);
        } catch (IOException e) {
            throw new LocalStackException("Cannot read " + metaProperties + ": " + e.getMessage(), e);
        }
        return meta.getProperty("cluster.id", "?");
    }

    private void awaitReady() {
        Map<String, Object> adminProps = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "poseidon-embedded-kafka-readiness",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(adminProps)) {
            while (System.nanoTime() < deadline) {
                try {
                    var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                            .nodes().get(10, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LocalStackException("Interrupted while waiting for Kafka on " + bootstrapServers(), e);
                }
                sleep(100);
            }
        }
        throw new LocalStackException("Kafka broker on " + bootstrapServers() + " did not answer describeCluster within "
                + READY_TIMEOUT.toSeconds() + " s" + (last == null ? "" : ": " + last));
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof java.net.BindException || message.contains("Address already in use")
                    || message.contains("failed to bind")) {
                return true;
            }
        }
        return false;
    }

    static String kafkaVersion() {
        return org.apache.kafka.common.utils.AppInfoParser.getVersion();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("Interrupted", e);
        }
    }
}
