package io.poseidon.deploy.local;

import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link LocalStack} until the JVM is stopped (Ctrl-C / SIGTERM close it cleanly).
 *
 * <pre>
 * java -cp ... io.poseidon.deploy.local.LocalStackMain [--data-dir DIR] [--kafka-port N]
 *      [--registry-port N] [--registry-timeout SECONDS]
 * </pre>
 *
 * <p>Environment: {@code POSEIDON_DATA_DIR}, {@code POSEIDON_KAFKA_PORT},
 * {@code POSEIDON_REGISTRY_PORT}, {@code POSEIDON_REGISTRY_TIMEOUT}, {@code POSEIDON_REGISTRY_HOME};
 * flags win. Once the stack is ready it prints one line on stdout:
 * {@code READY <bootstrapServers> <registryUrl>}. On a start failure it prints
 * {@code poseidon: <message>} on stderr and exits with status 1 (2 for a bad command line).
 *
 * <p>Logging uses {@code poseidon-log4j2.xml} unless {@code -Dlog4j2.configurationFile} says
 * otherwise.
 */
public final class LocalStackMain {

    /** The log4j2 configuration shipped in this module. */
    public static final String LOG4J2_CONFIG = "poseidon-log4j2.xml";

    private LocalStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        // Before any logger exists.
        useLog4j2Config();

        LocalStackConfig config;
        try {
            config = LocalStackConfig.fromArgs(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("poseidon: " + e.getMessage());
            System.exit(2);
            return;
        }
        LocalStack stack;
        try {
            stack = LocalStack.start(config);
        } catch (LocalStackException e) {
            System.err.println("poseidon: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "poseidon-stack-shutdown"));
        System.out.println("READY " + stack.bootstrapServers() + " " + stack.registryUrl());
        System.out.flush();
        stopped.await();
    }

    /**
     * Points Log4j 2 at {@value #LOG4J2_CONFIG} unless the system property
     * {@code log4j2.configurationFile} is already set. Call it before the first logger is created.
     */
    public static void useLog4j2Config() {
        if (System.getProperty("log4j2.configurationFile") == null
                && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", LOG4J2_CONFIG);
        }
    }
}
