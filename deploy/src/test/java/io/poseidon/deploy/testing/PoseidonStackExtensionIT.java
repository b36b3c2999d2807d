package io.poseidon.deploy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PoseidonStackExtension.class)
class PoseidonStackExtensionIT {

    private static TestStack fromBeforeAll;
    private final TestStack fromConstructor;

    PoseidonStackExtensionIT(TestStack stack) {
        this.fromConstructor = stack;
    }

    @BeforeAll
    static void beforeAll(TestStack stack) {
        fromBeforeAll = stack;
    }

    @Test
    void oneStackPerJvmInjectedEverywhere(TestStack stack) {
        assertSame(fromBeforeAll, stack);
        assertSame(fromConstructor, stack);
        assertEquals("embedded", stack.kind(), "no Docker engine here: the embedded stack is used");
        assertTrue(stack.bootstrapServers().startsWith("127.0.0.1:"), stack.bootstrapServers());
    }

    @Test
    void createdTopicsAreImmediatelyUsable(TestStack stack) throws Exception {
        String a = stack.uniqueName("it-orders");
        String b = stack.uniqueName("it-payments");
        stack.createTopics(4, a, b);
        stack.createTopics(a); // already there: fine
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            assertEquals(4, admin.describeTopics(Set.of(a)).allTopicNames().get().get(a).partitions().size());
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(a, "k", "hello")).get();
        }
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, stack.uniqueName("g"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(a));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        assertEquals(List.of("hello"), values);
    }

    @Test
    void registryAnswers(TestStack stack) throws Exception {
        assertTrue(stack.registryUrl().endsWith("/apis/registry/v2"), stack.registryUrl());
        HttpResponse<String> info = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.registryUrl() + "/system/info")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, info.statusCode());
        assertTrue(info.body().contains("2.6.13.Final"), info.body());
    }
}
