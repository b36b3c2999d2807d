package io.poseidon.topology.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceTest {

  @TempDir
  Path dir;

  private Path propertiesFile(String content) throws IOException {
    Path file = dir.resolve("poseidon.properties");
    Files.writeString(file, content);
    return file;
  }

  @Test
  void shouldNameEnvironmentVariableAfterKeyInUpperCaseWithUnderscores() {
    assertEquals("POSEIDON_KAFKA_BOOTSTRAP_SERVERS", ConfigSource.envName("kafka.bootstrap.servers"));
    assertEquals("POSEIDON_STREAMS_APPLICATION_ID_PREFIX", ConfigSource.envName("streams.application-id.prefix"));
  }

  @Test
  void shouldLetEnvironmentVariableOverrideValueFromFile() throws IOException {
    // Given a file naming one broker and an environment naming another
    Path file = propertiesFile("kafka.bootstrap.servers=file-broker:9092\nnode.id=from-file\n");
    Map<String, String> env = Map.of("POSEIDON_KAFKA_BOOTSTRAP_SERVERS", " env-broker:9092 ");

    // When the configuration is loaded
    ConfigSource source = ConfigSource.load(file, env, Map.of(), PoseidonConfig.CONFIG);

    // Then the environment wins (trimmed) and the other file values stay
    assertEquals("env-broker:9092", source.values().get("kafka.bootstrap.servers"));
    assertEquals("from-file", source.values().get("node.id"));
  }

  @Test
  void shouldLetExplicitOverridesWinOverEnvironmentAndFile() throws IOException {
    // Given the same key in the file, the environment and the overrides
    Path file = propertiesFile("kafka.bootstrap.servers=file-broker:9092\n");
    Map<String, String> env = Map.of("POSEIDON_KAFKA_BOOTSTRAP_SERVERS", "env-broker:9092");
    Map<String, String> overrides = Map.of("kafka.bootstrap.servers", "flag-broker:9092");

    // When the configuration is loaded
    ConfigSource source = ConfigSource.load(file, env, overrides, PoseidonConfig.CONFIG);

    // Then the override wins
    assertEquals("flag-broker:9092", source.values().get("kafka.bootstrap.servers"));
  }

  @Test
  void shouldIgnoreEnvironmentVariablesOfKeysNoDefinitionKnows() {
    // Given an environment variable for a key that no ConfigDef defines
    Map<String, String> env = Map.of("POSEIDON_KAFKA_SECURITY_PROTOCOL", "SSL");

    // When the configuration is loaded without a file
    ConfigSource source = ConfigSource.load(null, env, Map.of(), PoseidonConfig.CONFIG);

    // Then the variable is not read (extra kafka.* settings belong in the file)
    assertFalse(source.values().containsKey("kafka.security.protocol"));
  }

  @Test
  void shouldFailWithClearMessageWhenConfigFileIsMissing() {
    // Given a path where no file exists
    Path missing = dir.resolve("nope.properties");

    // When / Then loading fails naming the file
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigSource.load(missing, Map.of(), Map.of(), PoseidonConfig.CONFIG));
    assertTrue(e.getMessage().contains("cannot read config file"), e.getMessage());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void shouldStripPrefixFromMatchingKeysOnly() {
    // Given values in several namespaces
    ConfigSource source = ConfigSource.of(Map.of(
        "kafka.security.protocol", "SSL", "kafka.bootstrap.servers", "b:9092", "http.port", "8080"));

    // When the kafka. keys are taken
    Map<String, Object> kafka = source.withPrefixStripped("kafka.");

    // Then only those are returned, without the prefix
    assertEquals(Map.of("security.protocol", "SSL", "bootstrap.servers", "b:9092"), kafka);
  }

  @Test
  void shouldLayerMoreValuesOnTopWithoutChangingTheOriginal() {
    // Given a source
    ConfigSource base = ConfigSource.of(Map.of("node.id", "a", "http.port", "1"));

    // When more values are layered on top
    ConfigSource more = base.with(Map.of("node.id", "b"));

    // Then the copy has them and the original is unchanged
    assertEquals("b", more.values().get("node.id"));
    assertEquals("1", more.values().get("http.port"));
    assertEquals("a", base.values().get("node.id"));
  }
}
