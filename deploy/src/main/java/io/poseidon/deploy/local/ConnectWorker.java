package io.poseidon.deploy.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka Connect worker (distributed mode, {@code org.apache.kafka.connect.cli.ConnectDistributed}
 * 4.3.1) for the platform's sinks, run as a {@link SupervisedProcess} with the classpath and plugin path
 * the {@code deploy/connect} module resolved from Maven (connect-runtime, Apicurio's AvroConverter, the
 * Debezium JDBC sink). Its REST API listens on {@value Ports#HOST}; its internal topics are
 * {@code connect.configs}, {@code connect.offsets} and {@code connect.status}. The connector
 * configurations ({@link #register}) name the database and registry through {@code ${env:...}}
 * (Kafka's {@code EnvVarConfigProvider}): {@value #ENV_JDBC_URL}, {@value #ENV_DB_USER},
 * {@value #ENV_DB_PASSWORD}, {@value #ENV_REGISTRY_URL}, set by {@link #start} in the worker's environment.
 */
public final class ConnectWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectWorker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final int DEFAULT_PORT = 8083;
    public static final String ENV_HOME = "POSEIDON_CONNECT_HOME";
    public static final String ENV_JDBC_URL = "POSEIDON_SINK_JDBC_URL";
    public static final String ENV_DB_USER = "POSEIDON_SINK_DB_USER";
    public static final String ENV_DB_PASSWORD = "POSEIDON_SINK_DB_PASSWORD";
    public static final String ENV_REGISTRY_URL = "POSEIDON_SINK_REGISTRY_URL";
    static final String DIR_PROPERTY = "-Dposeidon.connect.dir=";

    private final int port;
    private final SupervisedProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ConnectWorker(int port, SupervisedProcess process) {
        this.port = port;
        this.process = process;
    }

    /** The sink database as the connectors see it. */
    public record Database(String jdbcUrl, String user, String password) {}

    /**
     * Starts a worker whose files (worker.properties, connect.log) live in {@code dir}.
     *
     * @param port the REST port on 127.0.0.1, 0 for a free one
     */
    public static ConnectWorker start(Path dir, int port, String bootstrapServers, String registryUrl, Database db,
            Duration timeout) {
        long begin = System.nanoTime();
        Path directory = dir.toAbsolutePath().normalize();
        Path home = home();
        Path classpathFile = home.resolve("target").resolve("connect.classpath");
        Path plugins = home.resolve("target").resolve("plugins");
        if (!Files.isRegularFile(classpathFile) || !Files.isDirectory(plugins)) {
            throw new LocalStackException("The Kafka Connect worker is not built: " + classpathFile + " or " + plugins
                    + " is missing. Build it with mvn -pl deploy/connect install (./poseidon build does), or set "
                    + ENV_HOME + " to a built deploy/connect directory.");
        }
        SupervisedProcess.stopLeftover("connect", directory, DIR_PROPERTY + directory);
        if (port != 0 && !Ports.isFree(port)) {
            throw new LocalStackException(portInUse(port));
        }
        int resolved = Ports.resolve(port);
        String classpath;
        try {
            Files.createDirectories(directory);
            classpath = Files.readString(classpathFile, StandardCharsets.UTF_8).strip();
            Files.writeString(directory.resolve("worker.properties"), workerProperties(bootstrapServers, resolved, plugins),
                    StandardCharsets.UTF_8);
            Files.writeString(directory.resolve("log4j2.properties"), LOG_CONFIG, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LocalStackException("Cannot prepare the Connect worker in " + directory + ": " + e.getMessage(), e);
        }
        List<String> command = List.of(RegistryServer.javaBinary(), "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
                DIR_PROPERTY + directory, "-Dlog4j2.configurationFile=" + directory.resolve("log4j2.properties"),
                "-cp", classpath, "org.apache.kafka.connect.cli.ConnectDistributed",
                directory.resolve("worker.properties").toString());
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ENV_JDBC_URL, db.jdbcUrl());
        env.put(ENV_DB_USER, db.user());
        env.put(ENV_DB_PASSWORD, db.password() == null ? "" : db.password());
        env.put(ENV_REGISTRY_URL, registryUrl);
        SupervisedProcess process = SupervisedProcess.start("connect", directory, command, env, DIR_PROPERTY + directory);
        ConnectWorker worker = new ConnectWorker(resolved, process);
        process.awaitReady(timeout, worker::restReady, "Kafka Connect worker on port " + resolved);
        LOG.info("Kafka Connect worker ready on {} (pid {}) in {} ms", worker.url(), process.pid(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return worker;
    }

    static String portInUse(int port) {
        return "Kafka Connect port " + port + " on " + Ports.HOST + " is already in use (another Connect worker or "
                + "Poseidon stack?). Choose another port with --connect-port N / POSEIDON_CONNECT_PORT.";
    }

    /** {@code deploy/connect} of this build, or {@value #ENV_HOME}. */
    static Path home() {
        String fromEnv = System.getenv(ENV_HOME);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv).toAbsolutePath().normalize();
        }
        String home = RegistryHome.resource().getProperty("connect.home");
        if (home == null || home.isBlank()) {
            throw new LocalStackException("The Connect worker's location is not configured (no connect.home in "
                    + RegistryHome.RESOURCE + "); set " + ENV_HOME + " to a built deploy/connect directory.");
        }
        return Path.of(home);
    }

    /** The connector configurations this build ships: {@code deploy/connect/connectors/*.json}. */
    public static List<Path> shippedConnectors() {
        Path dir = home().resolve("connectors");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new LocalStackException("Cannot list the connector configurations in " + dir + ": " + e.getMessage(), e);
        }
    }

    static String workerProperties(String bootstrapServers, int port, Path plugins) {
        return String.join(System.lineSeparator(),
                "# Written by Poseidon's local stack (io.poseidon.deploy.local.ConnectWorker) on every start.",
                "bootstrap.servers=" + bootstrapServers,
                "group.id=poseidon-connect",
                "config.storage.topic=connect.configs",
                "offset.storage.topic=connect.offsets",
                "status.storage.topic=connect.status",
                "config.storage.replication.factor=1",
                "offset.storage.replication.factor=1",
                "status.storage.replication.factor=1",
                "offset.storage.partitions=5",
                "status.storage.partitions=1",
                "offset.flush.interval.ms=2000",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.storage.StringConverter",
                "listeners=http://" + Ports.HOST + ":" + port,
                "rest.advertised.host.name=" + Ports.HOST,
                "plugin.path=" + plugins,
                // the plugins ship ServiceLoader manifests: no 20 s class scan at start
                "plugin.discovery=service_load",
                // a dead-letter topic created after the worker started is found within 10 s (topics.regex)
                "consumer.metadata.max.age.ms=10000",
                "config.providers=env",
                "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "");
    }

    private static final String LOG_CONFIG = String.join(System.lineSeparator(),
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = %d{ISO8601} %-5p [%t] %c{1}: %m%n",
            "rootLogger.level = info",
            "rootLogger.appenderRef.out.ref = out",
            "logger.kafka.name = org.apache.kafka",
            "logger.kafka.level = warn",
            "logger.connect.name = org.apache.kafka.connect.runtime",
            "logger.connect.level = info",
            "logger.hibernate.name = org.hibernate",
            "logger.hibernate.level = warn",
            "");

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://" + Ports.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return process.logFile();
    }

    /**
     * Creates or updates each connector of {@code files} ({@code {"name": ..., "config": {...}}}, the body of
     * Connect's {@code POST /connectors}) and waits until it and its tasks run.
     *
     * @return the connector names, in order
     */
    public List<String> register(List<Path> files, Duration timeout) {
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            JsonNode definition;
            try {
                definition = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new LocalStackException("Cannot read the connector configuration " + file + ": " + e.getMessage(), e);
            }
            String name = definition.path("name").asText("");
            if (name.isEmpty() || !definition.path("config").isObject()) {
                throw new LocalStackException(file + " is not a connector configuration: it needs \"name\" and \"config\"");
            }
            putConfig(name, (ObjectNode) definition.get("config"), timeout);
            names.add(name);
        }
        for (String name : names) {
            awaitRunning(name, timeout);
        }
        return names;
    }

    /** {@code GET /connectors/NAME/status} as JSON, or null when the connector is unknown. */
    public JsonNode status(String name) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/status")).GET());
        if (response == null || response.statusCode() == 404) {
            return null;
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new LocalStackException("Connect answered " + response.body() + " for " + name + "'s status", e);
        }
    }

    private void putConfig(String name, ObjectNode config, Duration timeout) {
        String body = config.toString();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/config"))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
            if (response != null && (response.statusCode() == 200 || response.statusCode() == 201)) {
                LOG.info("Connector {} {}", name, response.statusCode() == 201 ? "created" : "updated");
                return;
            }
            if (response != null && response.statusCode() == 400) {
                throw new LocalStackException("Kafka Connect refused connector " + name + ": " + response.body());
            }
            // 409: the worker is still joining its group (a rebalance); 5xx: not ready yet
            last = response == null ? "no answer" : response.statusCode() + " " + response.body();
            EmbeddedKafka.sleep(500);
        }
        throw new LocalStackException("Kafka Connect did not take connector " + name + " within " + timeout.toSeconds()
                + " s (last answer: " + last + "; log: " + logFile() + ")");
    }

    private void awaitRunning(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = status(name);
            if (status != null && "RUNNING".equals(status.path("connector").path("state").asText())
                    && status.path("tasks").size() > 0) {
                for (JsonNode task : status.path("tasks")) {
                    if ("FAILED".equals(task.path("state").asText())) {
                        throw new LocalStackException("Connector " + name + "'s task " + task.path("id").asText()
                                + " failed: " + task.path("trace").asText("").lines().findFirst().orElse(""));
                    }
                }
                boolean all = true;
                for (JsonNode task : status.path("tasks")) {
                    all &= "RUNNING".equals(task.path("state").asText());
                }
                if (all) {
                    return;
                }
            }
            if (status != null && "FAILED".equals(status.path("connector").path("state").asText())) {
                throw new LocalStackException("Connector " + name + " failed: "
                        + status.path("connector").path("trace").asText("").lines().findFirst().orElse(""));
            }
            EmbeddedKafka.sleep(250);
        }
        throw new LocalStackException("Connector " + name + " is not running after " + timeout.toSeconds() + " s: "
                + status + " (log: " + logFile() + ")");
    }

    private boolean restReady() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/connectors")).GET());
        return response != null && response.statusCode() == 200;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("Interrupted while talking to Kafka Connect on " + url(), e);
        }
    }

    private URI uri(String path) {
        return URI.create(url() + path);
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Stops the worker (SIGTERM: Connect stops its tasks and leaves its group), SIGKILL after 20 s. */
    @Override
    public void close() {
        process.close();
        LOG.info("Kafka Connect worker on {} stopped", url());
    }
}
