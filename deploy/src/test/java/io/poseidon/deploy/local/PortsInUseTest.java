package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A taken port fails fast, with a message that says what to do, before anything is started. */
class PortsInUseTest {

    @TempDir
    Path dir;

    private static ServerSocket occupy() throws Exception {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return socket;
    }

    @Test
    void kafkaPortInUse() throws Exception {
        try (ServerSocket taken = occupy()) {
            int port = taken.getLocalPort();
            LocalStackException e = assertThrows(LocalStackException.class, () -> EmbeddedKafka.start(dir.resolve("kafka"), port));
            assertEquals("Kafka port " + port + " on 127.0.0.1 is already in use (another Poseidon stack or a Kafka broker?). "
                    + "Stop it or choose another port with --kafka-port / POSEIDON_KAFKA_PORT.", e.getMessage());
            assertFalse(Files.exists(dir.resolve("kafka").resolve("logs").resolve("meta.properties")),
                    "nothing formatted when the port is taken");
        }
    }

    @Test
    void defaultKafkaPortMessageMatchesTheDocumentedOne() {
        assertEquals("Kafka port 9092 on 127.0.0.1 is already in use (another Poseidon stack or a Kafka broker?). "
                + "Stop it or choose another port with --kafka-port / POSEIDON_KAFKA_PORT.", Ports.kafkaPortInUse(9092));
    }

    @Test
    void registryPortInUse() throws Exception {
        try (ServerSocket taken = occupy()) {
            int port = taken.getLocalPort();
            LocalStackException e = assertThrows(LocalStackException.class,
                    () -> RegistryServer.start(dir.resolve("registry"), port, Duration.ofSeconds(5)));
            assertEquals("Registry port " + port + " on 127.0.0.1 is already in use (another Poseidon stack or a schema registry?). "
                    + "Stop it or choose another port with --registry-port / POSEIDON_REGISTRY_PORT.", e.getMessage());
            assertFalse(Files.exists(dir.resolve("registry").resolve("registry.pid")), "no process started");
        }
    }

    @Test
    void localStackChecksBothPortsBeforeStartingAnything() throws Exception {
        try (ServerSocket taken = occupy()) {
            int port = taken.getLocalPort();
            LocalStackException e = assertThrows(LocalStackException.class,
                    () -> LocalStack.start(LocalStackConfig.ephemeral(dir).withRegistryPort(port)));
            assertTrue(e.getMessage().startsWith("Registry port " + port + " on 127.0.0.1 is already in use"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("kafka")), "Kafka was not started");
            // the failed start released the data directory's lock
            StackLock.acquire(dir).close();
        }
    }

    @Test
    void freePortIsBindable() {
        int port = Ports.freePort();
        assertTrue(port > 0);
        assertTrue(Ports.isFree(port));
    }
}
