package io.poseidon.topology.service;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.Map;

/**
 * What a service module builds its topology and its queries from: the one serde factory, the node's
 * configuration (each module reads its own keys from it with its own {@code ConfigDef}) and the clock.
 */
public record ServiceContext(SerdeFactory serdes, ConfigSource config, Clock clock) {

  /** Registry-less serdes, default configuration, the system clock: for docs and topology checks. */
  public static ServiceContext defaults() {
    return new ServiceContext(SerdeFactory.forTopologyTests(), ConfigSource.of(Map.of()), Clock.systemUTC());
  }
}
