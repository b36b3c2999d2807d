package io.poseidon.topology.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Where configuration values come from, in increasing precedence: the defaults of each
 * {@link ConfigDef}, an optional properties file, environment variables, explicit overrides
 * (command-line flags).
 *
 * <p>An environment variable overrides a key when it is named {@code POSEIDON_} + the key in upper
 * case with dots and dashes turned into underscores: {@code kafka.bootstrap.servers} is
 * {@code POSEIDON_KAFKA_BOOTSTRAP_SERVERS}. Only keys defined in a known {@link ConfigDef} are read
 * from the environment; anything else (for example extra {@code kafka.*} client settings) goes in the
 * file.
 */
public final class ConfigSource {

  private final Map<String, String> values;

  private ConfigSource(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static String envName(String key) {
    return "POSEIDON_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * @param file optional properties file ({@code null} for none)
   * @param env the environment (normally {@code System.getenv()})
   * @param overrides explicit values that win over everything (command-line flags)
   * @param definitions every ConfigDef whose keys may come from the environment
   */
  public static ConfigSource load(Path file, Map<String, String> env, Map<String, String> overrides,
      ConfigDef... definitions) {
    Map<String, String> merged = new HashMap<>();
    if (file != null) {
      Properties props = new Properties();
      try (Reader reader = Files.newBufferedReader(file)) {
        props.load(reader);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
      }
      props.stringPropertyNames().forEach(k -> merged.put(k, props.getProperty(k).trim()));
    }
    for (ConfigDef def : definitions) {
      for (String key : def.names()) {
        String value = env.get(envName(key));
        if (value != null) {
          merged.put(key, value.trim());
        }
      }
    }
    merged.putAll(overrides);
    return new ConfigSource(merged);
  }

  public static ConfigSource of(Map<String, String> values) {
    return new ConfigSource(values);
  }

  public Map<String, String> values() {
    return values;
  }

  /** A copy with more values on top (used by tests and by the dev launcher). */
  public ConfigSource with(Map<String, String> more) {
    Map<String, String> merged = new HashMap<>(values);
    merged.putAll(more);
    return new ConfigSource(merged);
  }

  /** Every value whose key starts with {@code prefix}, with the prefix removed. */
  public Map<String, Object> withPrefixStripped(String prefix) {
    Map<String, Object> out = new HashMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }
}
