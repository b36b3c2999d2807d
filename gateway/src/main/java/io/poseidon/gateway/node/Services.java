package io.poseidon.gateway.node;

import io.poseidon.processors.current.CurrentConfig;
import io.poseidon.processors.current.CurrentService;
import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.processors.depths.DepthsService;
import io.poseidon.processors.forge.ForgeConfig;
import io.poseidon.processors.forge.ForgeService;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.harbor.HarborService;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.processors.sim.SimService;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The services this build can run and the configuration they read: the one list the node, the CLI
 * and the generated reference docs use. A new service adds its factory and its ConfigDef here.
 */
public final class Services {

  /** Every ConfigDef a node reads (environment overrides and docs/configuration.md come from these). */
  public static final List<ConfigDef> CONFIG_DEFINITIONS =
      List.of(PoseidonConfig.CONFIG, CurrentConfig.CONFIG, DepthsConfig.CONFIG, ForgeConfig.CONFIG, HarborConfig.CONFIG,
          SimConfig.CONFIG);

  private interface Factory {
    PoseidonService create(SerdeFactory serdes, ConfigSource source, Clock clock);
  }

  private static final Map<String, Factory> AVAILABLE = new TreeMap<>(Map.of(
      DepthsService.NAME, (serdes, source, clock) -> new DepthsService(serdes, new DepthsConfig(source), clock),
      CurrentService.NAME, (serdes, source, clock) -> new CurrentService(serdes, new CurrentConfig(source), clock),
      ForgeService.NAME, (serdes, source, clock) -> new ForgeService(serdes, new ForgeConfig(source), clock),
      HarborService.NAME, (serdes, source, clock) -> new HarborService(serdes, new HarborConfig(source), clock),
      SimService.NAME, (serdes, source, clock) -> new SimService(serdes, new SimConfig(source), clock)));

  private Services() {}

  public static ConfigDef[] configDefinitions() {
    return CONFIG_DEFINITIONS.toArray(ConfigDef[]::new);
  }

  public static PoseidonService create(String name, SerdeFactory serdes, ConfigSource source, Clock clock) {
    Factory factory = AVAILABLE.get(name);
    if (factory == null) {
      throw new ConfigException(PoseidonConfig.NODE_SERVICES, name, "service '" + name
          + "' is not available in this build yet; available: " + AVAILABLE.keySet());
    }
    return factory.create(serdes, source, clock);
  }

  /** Names of the services this build can run. */
  public static java.util.Set<String> available() {
    return AVAILABLE.keySet();
  }

  /** One instance of every available service (for docs and checks), with defaults. */
  public static List<PoseidonService> all(SerdeFactory serdes, Clock clock) {
    ConfigSource defaults = ConfigSource.of(Map.of());
    return AVAILABLE.values().stream().map(f -> f.create(serdes, defaults, clock)).toList();
  }
}
