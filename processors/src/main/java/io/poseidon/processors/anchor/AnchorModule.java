package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.CommandOutcome;
import io.poseidon.schemas.anchor.SecretVersion;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/** anchor — versioned configuration and envelope-encrypted secrets per service and environment, audited. */
public final class AnchorModule implements ServiceModule<AnchorQueries> {

  public static final String NAME = "anchor";
  /** Where ./poseidon dev keeps its generated master key file (relative to the checkout). */
  public static final String DEV_MASTER_KEYS_FILE = ".poseidon/master-keys";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "configuration and secrets";
  }

  @Override
  public ConfigDef config() {
    return AnchorConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return AnchorTopics.OWNED;
  }

  /** The topology asks for the master keys only when a rotation has data keys to re-wrap. */
  @Override
  public Topology topology(ServiceContext context) {
    AnchorConfig config = new AnchorConfig(context.config());
    return AnchorTopology.build(context.serdes(), config, MasterKeys.lazily(config), context.clock());
  }

  @Override
  public AnchorQueries queries(StoreQueries stores, ServiceContext context) {
    return new AnchorQueries(stores, new AnchorConfig(context.config()));
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(SecretVersion.getClassSchema(), CommandOutcome.getClassSchema());
  }

  /** A dev stack keeps a generated master key under .poseidon/ (never committed: .poseidon is ignored). */
  @Override
  public Map<String, String> devDefaults() {
    return Map.of(AnchorConfig.MASTER_KEYS_FILE, DEV_MASTER_KEYS_FILE, AnchorConfig.MASTER_KEYS_GENERATE, "true");
  }
}
