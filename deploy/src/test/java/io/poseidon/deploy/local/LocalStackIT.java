package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole local stack as `./poseidon dev` uses it: data survives a restart; clear errors. */
class LocalStackIT {

    private static final String SCHEMA = """
            {"type":"record","name":"OrderPlaced","namespace":"io.poseidon.test",
             "fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}""";

    @TempDir
    Path dir;

    @Test
    void topicsOffsetsAndSchemasSurviveARestart() throws Exception {
        long globalId;
        LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(dir));
        try {
            assertEquals(dir.toAbsolutePath().normalize(), stack.dataDir());
            assertTrue(stack.registryUrl().matches("http://127\\.0\\.0\\.1:\\d+/apis/registry/v2"), stack.registryUrl());

            // a second stack on the same directory is refused while this one runs
            LocalStackException locked = assertThrows(LocalStackException.class,
                    () -> LocalStack.start(LocalStackConfig.ephemeral(dir)));
            assertTrue(locked.getMessage().startsWith("another Poseidon stack is using " + stack.dataDir()
                    + " (pid " + ProcessHandle.current().pid() + ")"), locked.getMessage());

            try (Admin admin = Clients.admin(stack.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
            }
            Clients.produce(stack.bootstrapServers(), "orders", "o-1", "o-2", "o-3");
            assertEquals(List.of("o-1", "o-2", "o-3"),
                    Clients.consumeAndCommit(stack.bootstrapServers(), "billing", "orders", 3));

            globalId = Clients.registerAvro(stack.registryUrl(), "orders-value", SCHEMA);
        } finally {
            stack.close();
        }
        assertDoesNotThrow(stack::close, "close is idempotent");
        assertFalse(stack.registry().isAlive(), "registry process stopped by close()");

        try (LocalStack again = LocalStack.start(LocalStackConfig.ephemeral(dir))) {
            try (Admin admin = Clients.admin(again.bootstrapServers())) {
                assertTrue(admin.listTopics().names().get().contains("orders"), "topic survived");
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get();
                assertEquals(3L, offsets.get(new TopicPartition("orders", 0)).offset(), "committed offset survived");
                assertEquals(Set.of("orders"), Set.copyOf(admin.listTopics().names().get()));
            }
            // the group resumes after its committed offset
            Clients.produce(again.bootstrapServers(), "orders", "o-4");
            assertEquals(List.of("o-4"), Clients.consumeAndCommit(again.bootstrapServers(), "billing", "orders", 1));

            HttpResponse<String> schema = Clients.get(again.registryUrl() + "/ids/globalIds/" + globalId);
            assertEquals(200, schema.statusCode(), schema.body());
            assertTrue(schema.body().contains("OrderPlaced"), schema.body());
        }
        assertTrue(Files.isRegularFile(dir.resolve("registry").resolve("registry.log")));
    }

    @Test
    void takenKafkaPortGivesTheClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            LocalStackException e = assertThrows(LocalStackException.class,
                    () -> LocalStack.start(LocalStackConfig.ephemeral(dir).withKafkaPort(port)));
            assertEquals("Kafka port " + port + " on 127.0.0.1 is already in use (another Poseidon stack or a Kafka broker?). "
                    + "Stop it or choose another port with --kafka-port / POSEIDON_KAFKA_PORT.", e.getMessage());
        }
    }
}
