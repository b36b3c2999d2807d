package io.poseidon.deploy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension that gives tests a real Kafka + Apicurio Registry stack, injected as a
 * {@link TestStack} parameter of test methods, constructors, {@code @BeforeAll}/{@code @BeforeEach}
 * methods:
 *
 * <pre>
 * &#64;ExtendWith(PoseidonStackExtension.class)
 * class OrdersIT {
 *     &#64;Test
 *     void roundTrip(TestStack stack) {
 *         String topic = stack.uniqueName("orders");
 *         stack.createTopics(topic);
 *         ... stack.bootstrapServers() ... stack.registryUrl() ...
 *     }
 * }
 * </pre>
 *
 * <p>ONE stack per test JVM, started on first use and shared by every test class; it is stopped
 * when the JUnit engine finishes (it lives in the root context's store). Which stack:
 * <ul>
 *   <li>Testcontainers ({@code apache/kafka} + {@code apicurio/apicurio-registry-mem:2.6.13.Final})
 *       when {@code org.testcontainers:testcontainers-kafka} is on the test class path AND a Docker
 *       engine answers;</li>
 *   <li>otherwise the embedded {@link LocalStack} (in-process broker, registry child process) on a
 *       temporary directory with free ports, deleted afterwards.</li>
 * </ul>
 * Force one with {@code -Dposeidon.test.stack=embedded|docker} (or {@code POSEIDON_TEST_STACK}).
 */
public final class PoseidonStackExtension implements ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(PoseidonStackExtension.class);

    public static final String MODE_PROPERTY = "poseidon.test.stack";
    public static final String MODE_ENV = "POSEIDON_TEST_STACK";

    private static final String STORE_KEY = PoseidonStackExtension.class.getName() + ".stack";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return stack(extensionContext);
    }

    /** The JVM's stack, started on first call (for other extensions that need it). */
    public static TestStack stack(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
        try {
            return store.getOrComputeIfAbsent(STORE_KEY, key -> RunningStack.start(), RunningStack.class).stack;
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("Cannot start the Poseidon test stack: " + e.getMessage(), e);
        }
    }

    /**
     * Whether Testcontainers is on the class path. Checked here, not in {@link ContainerStack}: the
     * JVM cannot even load that class without Testcontainers.
     */
    static boolean testcontainersPresent() {
        try {
            ClassLoader loader = PoseidonStackExtension.class.getClassLoader();
            Class.forName("org.testcontainers.DockerClientFactory", false, loader);
            Class.forName("org.testcontainers.kafka.KafkaContainer", false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** What the root store closes when the engine ends. */
    static final class RunningStack implements AutoCloseable {
        final TestStack stack;
        private final AutoCloseable resource; // LocalStack or ContainerStack
        private final Path tempDir;

        private RunningStack(TestStack stack, AutoCloseable resource, Path tempDir) {
            this.stack = stack;
            this.resource = resource;
            this.tempDir = tempDir;
        }

        static RunningStack start() {
            String mode = System.getProperty(MODE_PROPERTY, System.getenv().getOrDefault(MODE_ENV, "auto"))
                    .trim().toLowerCase(Locale.ROOT);
            boolean docker = switch (mode) {
                case "docker", "testcontainers" -> {
                    if (!testcontainersPresent()) {
                        throw new IllegalStateException(MODE_PROPERTY + "=" + mode
                                + " needs org.testcontainers:testcontainers-kafka on the test class path");
                    }
                    yield true;
                }
                case "embedded", "local" -> false;
                case "auto", "" -> {
                    if (!testcontainersPresent()) {
                        yield false;
                    }
                    boolean available = ContainerStack.dockerAvailable();
                    if (!available) {
                        LOG.info("No Docker engine for Testcontainers: using the embedded stack");
                    }
                    yield available;
                }
                default -> throw new IllegalStateException("Unknown " + MODE_PROPERTY + "=" + mode
                        + " (auto, embedded or docker)");
            };
            long begin = System.nanoTime();
            RunningStack running = docker ? startContainers() : startEmbedded();
            LOG.info("Poseidon test stack up in {} ms: {}", (System.nanoTime() - begin) / 1_000_000, running.stack);
            return running;
        }

        private static RunningStack startContainers() {
            ContainerStack containers = ContainerStack.start();
            TestStack stack = new TestStack("testcontainers", containers.bootstrapServers(), containers.registryUrl());
            return new RunningStack(stack, containers, null);
        }

        private static RunningStack startEmbedded() {
            Path dir;
            try {
                dir = Files.createTempDirectory("poseidon-test-stack-");
            } catch (IOException e) {
                throw new IllegalStateException("Cannot create a temporary directory for the test stack", e);
            }
            try {
                LocalStack local = LocalStack.start(LocalStackConfig.ephemeral(dir));
                TestStack stack = new TestStack("embedded", local.bootstrapServers(), local.registryUrl());
                return new RunningStack(stack, local, dir);
            } catch (RuntimeException e) {
                deleteQuietly(dir);
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                stack.closeAdmin();
                resource.close();
            } catch (Exception e) {
                LOG.warn("Cannot stop the Poseidon test stack cleanly: {}", e.toString());
            } finally {
                if (tempDir != null) {
                    deleteQuietly(tempDir);
                }
            }
        }

        private static void deleteQuietly(Path dir) {
            try {
                LocalStack.deleteRecursively(dir);
            } catch (IOException e) {
                LOG.warn("Cannot delete {}: {}", dir, e.toString());
            }
        }
    }
}
