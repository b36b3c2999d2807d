package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LocalStackConfigTest {

    @Test
    void defaults() {
        LocalStackConfig c = LocalStackConfig.fromArgs(new String[0], Map.of());
        assertEquals(Path.of(".poseidon", "data"), c.dataDir());
        assertEquals(9092, c.kafkaPort());
        assertEquals(8081, c.registryPort());
        assertEquals(Duration.ofSeconds(90), c.registryStartTimeout());
        assertNull(c.registryHome());
    }

    @Test
    void environment() {
        LocalStackConfig c = LocalStackConfig.fromArgs(new String[0], Map.of(
                "POSEIDON_DATA_DIR", "/tmp/p", "POSEIDON_KAFKA_PORT", "19092",
                "POSEIDON_REGISTRY_PORT", "18081", "POSEIDON_REGISTRY_TIMEOUT", "30"));
        assertEquals(Path.of("/tmp/p"), c.dataDir());
        assertEquals(19092, c.kafkaPort());
        assertEquals(18081, c.registryPort());
        assertEquals(Duration.ofSeconds(30), c.registryStartTimeout());
    }

    @Test
    void flagsWinOverEnvironment() {
        LocalStackConfig c = LocalStackConfig.fromArgs(
                new String[] {"--kafka-port", "29092", "--registry-port=28081", "--data-dir", "d", "--registry-timeout=5"},
                Map.of("POSEIDON_KAFKA_PORT", "19092", "POSEIDON_REGISTRY_PORT", "18081"));
        assertEquals(29092, c.kafkaPort());
        assertEquals(28081, c.registryPort());
        assertEquals(Path.of("d"), c.dataDir());
        assertEquals(Duration.ofSeconds(5), c.registryStartTimeout());
    }

    @Test
    void badValuesSayWhatIsWrong() {
        assertEquals("--kafka-port must be a port number (0-65535), got 'abc'",
                assertThrows(IllegalArgumentException.class,
                        () -> LocalStackConfig.fromArgs(new String[] {"--kafka-port", "abc"}, Map.of())).getMessage());
        assertEquals("POSEIDON_REGISTRY_PORT must be a port number (0-65535), got '70000'",
                assertThrows(IllegalArgumentException.class,
                        () -> LocalStackConfig.fromArgs(new String[0], Map.of("POSEIDON_REGISTRY_PORT", "70000"))).getMessage());
        assertEquals("Missing value after --data-dir",
                assertThrows(IllegalArgumentException.class,
                        () -> LocalStackConfig.fromArgs(new String[] {"--data-dir"}, Map.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalStackConfig.fromArgs(new String[] {"--verbose"}, Map.of()));
    }

    @Test
    void ephemeralUsesFreePorts() {
        LocalStackConfig c = LocalStackConfig.ephemeral(Path.of("x"));
        assertEquals(0, c.kafkaPort());
        assertEquals(0, c.registryPort());
    }
}
