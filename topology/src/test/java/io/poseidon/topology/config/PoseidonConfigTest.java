package io.poseidon.topology.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoseidonConfigTest {

  @TempDir
  Path dir;

  private static PoseidonConfig config(Map<String, String> values) {
    return new PoseidonConfig(ConfigSource.of(values));
  }

  @Test
  void shouldUseDefaultsWhenNothingIsConfigured() {
    // Given no values at all
    PoseidonConfig config = config(Map.of());

    // Then the documented defaults apply
    assertEquals("localhost:9092", config.bootstrapServers());
    assertEquals(List.of("depths"), config.services());
    assertEquals("http://localhost:8081/apis/registry/v2", config.registryUrl());
    assertEquals("127.0.0.1", config.httpHost());
    assertEquals(8080, config.httpPort());
    assertEquals("node-1", config.nodeId());
  }

  @Test
  void shouldTakeBootstrapServersFromEnvironmentOverFile() throws IOException {
    // Given a config file and an environment that disagree on the brokers
    Path file = dir.resolve("node.properties");
    Files.writeString(file, "kafka.bootstrap.servers=file-broker:9092\n");
    Map<String, String> env = Map.of("POSEIDON_KAFKA_BOOTSTRAP_SERVERS", "env-broker:9092");

    // When the typed config is built
    PoseidonConfig config = new PoseidonConfig(ConfigSource.load(file, env, Map.of(), PoseidonConfig.CONFIG));

    // Then the environment wins
    assertEquals("env-broker:9092", config.bootstrapServers());
  }

  @Test
  void shouldAcceptSeveralKnownServices() {
    PoseidonConfig config = config(Map.of(PoseidonConfig.NODE_SERVICES, "depths, harbor"));

    assertEquals(List.of("depths", "harbor"), config.services());
  }

  @Test
  void shouldPassExtraKafkaKeysToClientsButNotBootstrapServers() {
    // Given extra kafka.* settings next to the bootstrap servers and other namespaces
    PoseidonConfig config = config(Map.of(
        "kafka.bootstrap.servers", "b:9092",
        "kafka.security.protocol", "SASL_SSL",
        "kafka.sasl.mechanism", "PLAIN",
        "http.port", "9000"));

    // When the client overrides are taken
    Map<String, Object> overrides = config.kafkaClientOverrides();

    // Then exactly the extra kafka keys come through, without their prefix
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), overrides);
    assertFalse(overrides.containsKey("bootstrap.servers"));
  }

  @Test
  void shouldAdvertiseLocalhostWhenBindingToAllInterfaces() {
    assertEquals("localhost", config(Map.of(PoseidonConfig.HTTP_HOST, "0.0.0.0")).advertisedHost());
    assertEquals("localhost", config(Map.of(PoseidonConfig.HTTP_HOST, "::")).advertisedHost());
  }

  @Test
  void shouldAdvertiseBindHostWhenItIsASpecificInterface() {
    assertEquals("10.0.0.7", config(Map.of(PoseidonConfig.HTTP_HOST, "10.0.0.7")).advertisedHost());
  }

  @Test
  void shouldPreferExplicitAdvertisedHost() {
    PoseidonConfig config = config(Map.of(
        PoseidonConfig.HTTP_HOST, "0.0.0.0", PoseidonConfig.HTTP_ADVERTISED_HOST, "node-2.internal"));

    assertEquals("node-2.internal", config.advertisedHost());
  }

  @Test
  void shouldRejectOutOfRangePort() {
    assertThrows(ConfigException.class, () -> config(Map.of(PoseidonConfig.HTTP_PORT, "70000")));
  }

  @Test
  void shouldRejectUnknownProcessingGuarantee() {
    assertThrows(ConfigException.class,
        () -> config(Map.of(PoseidonConfig.STREAMS_PROCESSING_GUARANTEE, "exactly_once")));
  }
}
