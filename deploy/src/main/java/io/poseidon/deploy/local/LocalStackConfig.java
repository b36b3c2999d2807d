package io.poseidon.deploy.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How to start a {@link LocalStack}.
 *
 * @param dataDir              the stack's directory: {@code kafka/}, {@code registry/} and
 *                             {@code stack.lock} live there
 * @param kafkaPort            the broker's client port on 127.0.0.1 (0 = a free port)
 * @param registryPort         the registry's HTTP port on 127.0.0.1 (0 = a free port)
 * @param registryStartTimeout how long the registry may take to become ready
 * @param registryHome         the unpacked registry distribution, or null to find it (see
 *                             {@link RegistryHome})
 */
public record LocalStackConfig(Path dataDir, int kafkaPort, int registryPort, Duration registryStartTimeout,
                               Path registryHome) {

    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    public static final Duration DEFAULT_REGISTRY_START_TIMEOUT = RegistryServer.DEFAULT_START_TIMEOUT;
    /** The default data directory, relative to the working directory. */
    public static final Path DEFAULT_DATA_DIR = Path.of(".poseidon", "data");

    public static final String ENV_DATA_DIR = "POSEIDON_DATA_DIR";
    public static final String ENV_KAFKA_PORT = "POSEIDON_KAFKA_PORT";
    public static final String ENV_REGISTRY_PORT = "POSEIDON_REGISTRY_PORT";
    public static final String ENV_REGISTRY_TIMEOUT = "POSEIDON_REGISTRY_TIMEOUT";

    public LocalStackConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        checkPort(kafkaPort, "Kafka port");
        checkPort(registryPort, "Registry port");
        Objects.requireNonNull(registryStartTimeout, "registryStartTimeout");
        if (registryStartTimeout.isNegative() || registryStartTimeout.isZero()) {
            throw new IllegalArgumentException("Registry start timeout must be positive, got " + registryStartTimeout);
        }
    }

    /** Defaults (ports 9092 and 8081, 90 s registry timeout) on {@code dataDir}. */
    public static LocalStackConfig of(Path dataDir) {
        return new LocalStackConfig(dataDir, DEFAULT_KAFKA_PORT, DEFAULT_REGISTRY_PORT, DEFAULT_REGISTRY_START_TIMEOUT, null);
    }

    /** Free ports for both (what tests want). */
    public static LocalStackConfig ephemeral(Path dataDir) {
        return of(dataDir).withKafkaPort(0).withRegistryPort(0);
    }

    public LocalStackConfig withDataDir(Path dir) {
        return new LocalStackConfig(dir, kafkaPort, registryPort, registryStartTimeout, registryHome);
    }

    public LocalStackConfig withKafkaPort(int port) {
        return new LocalStackConfig(dataDir, port, registryPort, registryStartTimeout, registryHome);
    }

    public LocalStackConfig withRegistryPort(int port) {
        return new LocalStackConfig(dataDir, kafkaPort, port, registryStartTimeout, registryHome);
    }

    public LocalStackConfig withRegistryStartTimeout(Duration timeout) {
        return new LocalStackConfig(dataDir, kafkaPort, registryPort, timeout, registryHome);
    }

    public LocalStackConfig withRegistryHome(Path home) {
        return new LocalStackConfig(dataDir, kafkaPort, registryPort, registryStartTimeout, home);
    }

    /**
     * Reads a command line ({@code --data-dir DIR}, {@code --kafka-port N}, {@code --registry-port N},
     * {@code --registry-timeout SECONDS}; {@code --name=value} works too) over the environment
     * ({@value #ENV_DATA_DIR}, {@value #ENV_KAFKA_PORT}, {@value #ENV_REGISTRY_PORT},
     * {@value #ENV_REGISTRY_TIMEOUT}) over the defaults. Flags win over the environment.
     *
     * @throws IllegalArgumentException with a message for the user on a bad flag or value
     */
    public static LocalStackConfig fromArgs(String[] args, Map<String, String> env) {
        LocalStackConfig config = of(DEFAULT_DATA_DIR);
        if (present(env.get(ENV_DATA_DIR))) {
            config = config.withDataDir(Path.of(env.get(ENV_DATA_DIR)));
        }
        if (present(env.get(ENV_KAFKA_PORT))) {
            config = config.withKafkaPort(parsePort(env.get(ENV_KAFKA_PORT), ENV_KAFKA_PORT));
        }
        if (present(env.get(ENV_REGISTRY_PORT))) {
            config = config.withRegistryPort(parsePort(env.get(ENV_REGISTRY_PORT), ENV_REGISTRY_PORT));
        }
        if (present(env.get(ENV_REGISTRY_TIMEOUT))) {
            config = config.withRegistryStartTimeout(parseSeconds(env.get(ENV_REGISTRY_TIMEOUT), ENV_REGISTRY_TIMEOUT));
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--data-dir", "--kafka-port", "--registry-port", "--registry-timeout" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("Missing value after " + name);
                        }
                        value = args[++i];
                    }
                }
                default -> throw new IllegalArgumentException("Unknown option " + arg
                        + " (known: --data-dir DIR, --kafka-port N, --registry-port N, --registry-timeout SECONDS)");
            }
            config = switch (name) {
                case "--data-dir" -> config.withDataDir(Path.of(value));
                case "--kafka-port" -> config.withKafkaPort(parsePort(value, name));
                case "--registry-port" -> config.withRegistryPort(parsePort(value, name));
                default -> config.withRegistryStartTimeout(parseSeconds(value, name));
            };
        }
        return config;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static int parsePort(String value, String source) {
        try {
            int port = Integer.parseInt(value.trim());
            checkPort(port, source);
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be a port number (0-65535), got '" + value + "'");
        }
    }

    private static Duration parseSeconds(String value, String source) {
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds <= 0) {
                throw new NumberFormatException();
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be a positive number of seconds, got '" + value + "'");
        }
    }

    private static void checkPort(int port, String what) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " must be a port number (0-65535), got '" + port + "'");
        }
    }
}
