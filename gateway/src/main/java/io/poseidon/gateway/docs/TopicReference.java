package io.poseidon.gateway.docs;

import static io.poseidon.gateway.docs.Markdown.code;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.streams.TopologyDescription;

/** docs/topics.md: the topic catalog, the dead-letter headers and the Streams-internal topics. */
final class TopicReference {

  /**
   * What each dead-letter header holds, in the order a reader wants them. The test checks that every
   * {@code HEADER_*} constant of {@link DeadLetters} is here.
   */
  static final Map<String, String> DEAD_LETTER_HEADERS = deadLetterHeaders();

  private TopicReference() {}

  private static Map<String, String> deadLetterHeaders() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(DeadLetters.HEADER_REASON, "why the record was rejected: the exception type and the message of its "
        + "root cause, or the reason a processor gave");
    headers.put(DeadLetters.HEADER_STAGE, "where it failed: `deserialization`, `processing` or `production`");
    headers.put(DeadLetters.HEADER_APPLICATION, "the `application.id` of the service that rejected it");
    headers.put(DeadLetters.HEADER_SCHEMA_ID, "the registry content id of the value's writer schema, when the value "
        + "is in Poseidon's wire format (absent otherwise); for a value in the framing before ADR 0018, its global id");
    headers.put(DeadLetters.HEADER_SCHEMA_ID_KIND, "`content` or `global`: which registry id `poseidon.dlq.schema-id` "
        + "is");
    headers.put(DeadLetters.HEADER_TOPIC, "the topic the record came from");
    headers.put(DeadLetters.HEADER_PARTITION, "its partition");
    headers.put(DeadLetters.HEADER_OFFSET, "its offset");
    headers.put(DeadLetters.HEADER_EXCEPTION, "the exception's class name");
    headers.put(DeadLetters.HEADER_MESSAGE, "the exception's message");
    headers.put(DeadLetters.HEADER_STACKTRACE, "the exception's stack trace (truncated)");
    return headers;
  }

  static String render(List<TopicSpec> catalog, List<ServiceModule<?>> services) {
    StringBuilder out = new StringBuilder();
    out.append("# Topics\n\n");
    out.append("Every topic of the platform, declared by the service modules (each owns its topics and a "
        + "dead-letter topic, and names the topics of others it uses). A node creates the topics of the services it "
        + "runs when it starts, or checks those that exist: another cleanup policy stops the node, another "
        + "partition count is logged as a warning. Values are Avro in Poseidon's wire format "
        + "(Confluent's framing, `0x00` + 4-byte registry content id: [ADR 0018](adr/0018-confluent-wire-format.md)), "
        + "their schemas registered as `<topic>-value`; the records are "
        + "described in [events.md](events.md).\n\n");
    catalog(out, catalog);
    deadLetters(out);
    internalTopics(out, catalog, services);
    return out.toString();
  }

  private static void catalog(StringBuilder out, List<TopicSpec> catalog) {
    Markdown.Table table = new Markdown.Table(
        "Topic", "Owner", "Key", "Value", "Partitions", "Cleanup policy", "Retention", "What flows through it");
    for (TopicSpec topic : catalog) {
      table.row(code(topic.name()), topic.owner(), Markdown.text(topic.keyType()), valueOf(topic),
          Integer.toString(topic.partitions()), code(topic.cleanupPolicy()), retention(topic.retention()),
          Markdown.text(topic.doc()));
    }
    out.append(table.render()).append('\n');
    out.append("The owner is the service that writes the topic's facts or consumes its commands. Partition counts "
        + "apply when a topic is created: ").append(code(PoseidonConfig.TOPICS_PARTITIONS))
        .append(" (when above 0) overrides them for every topic a node creates, and ")
        .append(code(PoseidonConfig.TOPICS_REPLICATION_FACTOR))
        .append(" sets the replication factor (see [configuration.md](configuration.md)).\n\n");
  }

  private static String valueOf(TopicSpec topic) {
    if (topic.valueSchema() == null) {
      return topic.valueSchemaName();
    }
    String fullName = SpecificData.get().getSchema(topic.valueSchema()).getFullName();
    return Markdown.link(topic.valueSchema().getSimpleName(), "events.md#" + fullName);
  }

  static String retention(Duration retention) {
    if (retention == null) {
      return "forever";
    }
    long ms = retention.toMillis();
    if (ms > 0 && ms % Duration.ofDays(1).toMillis() == 0) {
      return plural(retention.toDays(), "day");
    }
    if (ms > 0 && ms % Duration.ofHours(1).toMillis() == 0) {
      return plural(retention.toHours(), "hour");
    }
    if (ms > 0 && ms % Duration.ofMinutes(1).toMillis() == 0) {
      return plural(retention.toMinutes(), "minute");
    }
    return ms + " ms";
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }

  private static void deadLetters(StringBuilder out) {
    out.append("## Dead letters\n\n");
    out.append("A record a service cannot read, process or write is not dropped: it goes to the service's "
        + "dead-letter topic `<service>.dlq` ([ADR 0005](adr/0005-dead-letters.md)). The dead letter keeps the "
        + "original key, value and headers byte for byte and adds these headers (the `__streams.errors.*` ones "
        + "are Kafka Streams' own, from KIP-1034):\n\n");
    Markdown.Table table = new Markdown.Table("Header", "Value");
    DEAD_LETTER_HEADERS.forEach((header, meaning) -> table.row(code(header), meaning));
    out.append(table.render()).append('\n');
  }

  private static void internalTopics(StringBuilder out, List<TopicSpec> catalog, List<ServiceModule<?>> services) {
    String prefix = (String) PoseidonConfig.CONFIG.defaultValues().get(PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX);
    out.append("## Streams-internal topics\n\n");
    out.append("Kafka Streams creates these itself; they are not in the catalog. Each service is one Streams "
        + "application whose `application.id` is ").append(code(PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX))
        .append(" + the service name (default ").append(code(prefix)).append(", so ")
        .append(code(prefix + services.get(0).name())).append(").");
    out.append(" Each state store is backed by a compacted changelog topic `<application.id>-<store>-changelog`, "
        + "a repartition step by a topic `<application.id>-<name>-repartition`. Stores and internal topics are "
        + "named explicitly (`ensure.explicit.internal.resource.naming=true`), so these names do not shift when a "
        + "topology changes; changing ").append(code(PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX))
        .append(" makes every service a new Streams application (new consumer group, new changelogs). Internal "
            + "topics get ").append(code(PoseidonConfig.TOPICS_REPLICATION_FACTOR)).append(" replicas.\n\n");
    out.append("With the default prefix:\n\n");

    Markdown.Table table = new Markdown.Table("Service", "application.id", "Internal topic", "Role");
    for (ServiceModule<?> service : services) {
      String applicationId = prefix + service.name();
      // the serdes do not change a topology's shape; the registry-less ones need no network
      org.apache.kafka.streams.Topology built = service.topology(ServiceContext.defaults());
      TopologyDescription topology = built.describe();
      java.util.Set<String> unlogged = storesWithoutChangelog(built);
      SortedSet<String> stores = new TreeSet<>();
      SortedSet<String> repartitions = new TreeSet<>();
      for (TopologyDescription.Subtopology sub : topology.subtopologies()) {
        // global stores are left out: they restore from their source topic and have no changelog
        for (TopologyDescription.Node node : sub.nodes()) {
          if (node instanceof TopologyDescription.Processor processor) {
            stores.addAll(processor.stores());
          } else if (node instanceof TopologyDescription.Sink sink && isInternal(sink.topic(), catalog)) {
            repartitions.add(sink.topic());
          }
        }
      }
      stores.removeAll(unlogged);
      for (String store : stores) {
        table.row(service.name(), code(applicationId), code(applicationId + "-" + store + "-changelog"),
            "changelog of the store " + code(store));
      }
      for (String topic : repartitions) {
        table.row(service.name(), code(applicationId), code(applicationId + "-" + topic), "repartition topic");
      }
    }
    out.append(table.render());
  }

  /**
   * The stores of a topology built with logging disabled (a local index rebuilt from a logged store: they have
   * no changelog topic). TopologyDescription does not say; Streams' internal builder does, read by reflection
   * (this is the reference generator, not the node): when that fails, every store is listed.
   */
  static java.util.Set<String> storesWithoutChangelog(org.apache.kafka.streams.Topology topology) {
    try {
      java.lang.reflect.Field field = org.apache.kafka.streams.Topology.class.getDeclaredField("internalTopologyBuilder");
      field.setAccessible(true);
      var builder = (org.apache.kafka.streams.processor.internals.InternalTopologyBuilder) field.get(topology);
      java.util.Set<String> unlogged = new TreeSet<>();
      builder.stateStores().forEach((name, factory) -> {
        if (!factory.loggingEnabled()) {
          unlogged.add(name);
        }
      });
      return unlogged;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return java.util.Set.of();
    }
  }

  private static boolean isInternal(String topic, List<TopicSpec> catalog) {
    return topic != null && topic.endsWith("-repartition")
        && catalog.stream().noneMatch(t -> t.name().equals(topic));
  }
}
