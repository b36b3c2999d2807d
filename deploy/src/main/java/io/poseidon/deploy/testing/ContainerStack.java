package io.poseidon.deploy.testing;

import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Docker flavour of the test stack (Testcontainers). Only loaded when Testcontainers is on the
 * class path, so nothing here may be touched from elsewhere unless {@code PoseidonStackExtension.testcontainersPresent()} said yes (loading this class needs Testcontainers).
 */
final class ContainerStack implements AutoCloseable {

    /** Override with -Dposeidon.test.kafka-image=... */
    static final String KAFKA_IMAGE_PROPERTY = "poseidon.test.kafka-image";
    /** Override with -Dposeidon.test.registry-image=... */
    static final String REGISTRY_IMAGE_PROPERTY = "poseidon.test.registry-image";
    static final String DEFAULT_REGISTRY_IMAGE = "apicurio/apicurio-registry-mem:2.6.13.Final";

    private final KafkaContainer kafka;
    private final GenericContainer<?> registry;

    private ContainerStack(KafkaContainer kafka, GenericContainer<?> registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    @SuppressWarnings("resource")
    static ContainerStack start() {
        String kafkaImage = System.getProperty(KAFKA_IMAGE_PROPERTY, "apache/kafka:" + AppInfoParser.getVersion());
        String registryImage = System.getProperty(REGISTRY_IMAGE_PROPERTY, DEFAULT_REGISTRY_IMAGE);
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(kafkaImage))
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        GenericContainer<?> registry = new GenericContainer<>(DockerImageName.parse(registryImage))
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/health/ready").forPort(8080).forStatusCode(200));
        try {
            kafka.start();
            registry.start();
        } catch (RuntimeException e) {
            registry.stop();
            kafka.stop();
            throw e;
        }
        return new ContainerStack(kafka, registry);
    }

    String bootstrapServers() {
        return kafka.getBootstrapServers();
    }

    String registryUrl() {
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8080) + "/apis/registry/v2";
    }

    @Override
    public void close() {
        try {
            registry.stop();
        } finally {
            kafka.stop();
        }
    }
}
