package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker alone: topics, transactions, restart on the same directory. */
class EmbeddedKafkaIT {

    @TempDir
    Path dir;

    @Test
    void restartKeepsTopicsAndTransactionalState() throws Exception {
        String clusterId;
        long producerId;
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        try (Admin admin = Clients.admin(kafka.bootstrapServers())) {
            clusterId = kafka.clusterId();
            assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
            admin.createTopics(List.of(new NewTopic("payments", 3, (short) 1))).all().get();

            try (KafkaProducer<String, String> producer = Clients.producer(kafka.bootstrapServers(),
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payments-tx"))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("payments", "k", "committed"));
                producer.commitTransaction();
            }
            TransactionDescription tx = admin.describeTransactions(Set.of("payments-tx")).description("payments-tx").get();
            producerId = tx.producerId();
        } finally {
            kafka.close();
        }
        assertDoesNotThrow(kafka::close, "close is idempotent");

        EmbeddedKafka again = EmbeddedKafka.start(dir, 0);
        try (Admin admin = Clients.admin(again.bootstrapServers())) {
            assertEquals(clusterId, again.clusterId(), "storage was not formatted again");
            assertNotEquals(0, again.port());
            assertEquals(3, admin.describeTopics(Set.of("payments")).allTopicNames().get().get("payments").partitions().size());
            TransactionDescription tx = admin.describeTransactions(Set.of("payments-tx")).description("payments-tx").get();
            assertEquals(producerId, tx.producerId(), "transactional id keeps its producer id across the restart");
            List<String> values = Clients.consume(again.bootstrapServers(), "g-tx", "payments", 1,
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), false);
            assertEquals(List.of("committed"), values);
        } finally {
            again.close();
        }
    }
}
