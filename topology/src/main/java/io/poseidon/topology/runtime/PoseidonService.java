package io.poseidon.topology.runtime;

import io.poseidon.topology.catalog.TopicSpec;
import java.util.List;
import org.apache.kafka.streams.Topology;

/**
 * A Poseidon service: one Kafka Streams topology plus the catalogued topics it reads and writes.
 * The node runs each configured service through one {@link ServiceRuntime}.
 */
public interface PoseidonService {

  /** The service name (depths, harbor, ...): application id suffix and dead-letter topic prefix. */
  String name();

  /** Catalogued topics the topology reads or writes; created or verified before it starts. */
  List<TopicSpec> topics();

  /** Builds the topology. Called once per start; the same method is driven by TopologyTestDriver. */
  Topology topology();
}
