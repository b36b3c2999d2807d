package io.poseidon.topology.catalog;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.TopicConfig;

/**
 * One catalogued topic: everything needed to create it, verify it and document it.
 *
 * @param name kebab-case with a domain prefix, e.g. {@code depths.registrations}
 * @param partitions partition count when created
 * @param cleanupPolicy {@code delete}, {@code compact} or {@code compact,delete}
 * @param retention how long records are kept ({@code null}: forever)
 * @param keyType what the key is, in words (e.g. "service name (string)")
 * @param valueSchema Avro record carried as value ({@code null} for raw bytes, e.g. dead letters)
 * @param owner the service that writes the topic's facts, or that consumes its commands
 * @param doc one sentence on what flows through the topic
 * @param extraConfigs further topic-level configs it pins ({@code max.message.bytes} for large records)
 */
public record TopicSpec(
    String name,
    int partitions,
    String cleanupPolicy,
    Duration retention,
    String keyType,
    Class<?> valueSchema,
    String owner,
    String doc,
    Map<String, String> extraConfigs) {

  public TopicSpec(String name, int partitions, String cleanupPolicy, Duration retention, String keyType,
      Class<?> valueSchema, String owner, String doc) {
    this(name, partitions, cleanupPolicy, retention, keyType, valueSchema, owner, doc, Map.of());
  }

  /** This topic with {@code configs} pinned beside its cleanup policy and retention. */
  public TopicSpec withConfigs(Map<String, String> configs) {
    Map<String, String> all = new HashMap<>(extraConfigs);
    all.putAll(configs);
    return new TopicSpec(name, partitions, cleanupPolicy, retention, keyType, valueSchema, owner, doc, Map.copyOf(all));
  }

  public TopicSpec {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[a-z][a-z0-9]*\\.[a-z0-9]+(-[a-z0-9]+)*")) {
      throw new IllegalArgumentException("topic name must be <domain>.<kebab-case>: " + name);
    }
    extraConfigs = extraConfigs == null ? Map.of() : Map.copyOf(extraConfigs);
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1 for " + name);
    }
  }

  /** How long dead letters are kept unless a service says otherwise. */
  public static final Duration DEAD_LETTER_RETENTION = Duration.ofDays(14);

  /** The name of a service's dead-letter topic: {@code <service>.dlq}. */
  public static String deadLetterName(String service) {
    return service + ".dlq";
  }

  /** The dead-letter topic of {@code service}: one partition, the original bytes, the reason in headers. */
  public static TopicSpec deadLetters(String service) {
    return deadLetters(service, DEAD_LETTER_RETENTION);
  }

  public static TopicSpec deadLetters(String service, Duration retention) {
    return new TopicSpec(deadLetterName(service), 1, "delete", retention, "original key (bytes)", null, service,
        "Dead letters of " + service + ": records it could not read or process, with the reason in headers.");
  }

  /** The topic-level configs this spec pins. */
  public Map<String, String> configs() {
    Map<String, String> configs = new HashMap<>(extraConfigs);
    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy);
    configs.put(TopicConfig.RETENTION_MS_CONFIG, retention == null ? "-1" : Long.toString(retention.toMillis()));
    return configs;
  }

  public String valueSchemaName() {
    return valueSchema == null ? "bytes (original record, reason in headers)" : valueSchema.getName();
  }
}
