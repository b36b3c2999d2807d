package io.poseidon.topology.service;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/**
 * A Poseidon service, described once: its name, its configuration, the topics it owns and the ones of
 * other services it uses, the Kafka Streams topology it runs, the query facade over its stores and the
 * records the docs start from. The node, the CLI, the reference docs and the contract checks loop over
 * the modules of the build; nothing else names a service. The HTTP routes of a service live in the
 * gateway, bound to its module there (processors stay free of Vert.x).
 *
 * @param <Q> the service's query facade ({@code Void} for a service that answers no query)
 */
public interface ServiceModule<Q> {

  /** The service name: application id suffix, config key prefix, topic domain and dead-letter topic prefix. */
  String name();

  /** What the service does, in a few words (docs headings): "service discovery". */
  String description();

  /** The service's own config keys, all named {@code <name>.*}. */
  ConfigDef config();

  /** The topics this service owns: the commands it consumes and the facts it writes (not its dead letters). */
  List<TopicSpec> ownedTopics();

  /** Topics owned by other services that this service reads or writes. */
  default List<TopicSpec> usedTopics() {
    return List.of();
  }

  /** Where the service's unreadable and rejected records go: {@code <name>.dlq}. */
  default TopicSpec deadLetterTopic() {
    return TopicSpec.deadLetters(name());
  }

  /** Every topic the topology reads or writes, created or verified before it starts. */
  default List<TopicSpec> topics() {
    List<TopicSpec> topics = new ArrayList<>(ownedTopics());
    topics.add(deadLetterTopic());
    topics.addAll(usedTopics());
    return List.copyOf(topics);
  }

  /** Builds the topology; called once per start. Tests drive the same method through TopologyTestDriver. */
  Topology topology(ServiceContext context);

  /** The query facade over this service's stores; null when it answers no queries. */
  default Q queries(StoreQueries stores, ServiceContext context) {
    return null;
  }

  /**
   * Records the event catalog documents besides the value schemas of the topics (a store's state
   * record, for example).
   */
  default List<Schema> eventRoots() {
    return List.of();
  }

  /**
   * What {@code ./poseidon dev} sets for this service unless the config file or the environment say
   * otherwise: settings that make a local stack quick to watch (a short health gate, say).
   */
  default Map<String, String> devDefaults() {
    return Map.of();
  }

  /**
   * Kafka Streams settings this service needs beyond {@code StreamsDefaults} (the node applies them after
   * the defaults): {@code max.task.idle.ms = -1} for a service whose co-partitioned inputs need no
   * timestamp order between them, say.
   */
  default Map<String, Object> streamsConfig() {
    return Map.of();
  }

  /**
   * A simulator answers commands meant for real participants (deploy agents, CI runners) with made-up
   * results; a node runs one only with {@code node.allow-simulators=true}.
   */
  default boolean simulator() {
    return false;
  }
}
