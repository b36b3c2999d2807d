package io.poseidon.gateway.node;

import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.processors.depths.DepthsService;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import org.apache.kafka.common.config.ConfigException;

/** Makes the services a node is configured to run. */
final class Services {

  private Services() {}

  static PoseidonService create(String name, SerdeFactory serdes, ConfigSource source, Clock clock) {
    if (name.equals(DepthsService.NAME)) {
      return new DepthsService(serdes, new DepthsConfig(source), clock);
    }
    throw new ConfigException("node.services", name, "service '" + name
        + "' is not available in this build yet; available: " + DepthsService.NAME);
  }
}
