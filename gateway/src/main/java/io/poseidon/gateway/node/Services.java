package io.poseidon.gateway.node;

import io.poseidon.gateway.http.ApiContract;
import io.poseidon.gateway.http.DepthsRoutes;
import io.poseidon.gateway.http.HarborRoutes;
import io.poseidon.gateway.http.LighthouseRoutes;
import io.poseidon.gateway.http.OracleRoutes;
import io.poseidon.gateway.http.PipelineRoutes;
import io.poseidon.gateway.http.TideRoutes;
import io.poseidon.gateway.http.WorkflowRoutes;
import io.poseidon.processors.current.CurrentModule;
import io.poseidon.processors.depths.DepthsModule;
import io.poseidon.processors.forge.ForgeModule;
import io.poseidon.processors.harbor.HarborModule;
import io.poseidon.processors.lighthouse.LighthouseModule;
import io.poseidon.processors.oracle.OracleModule;
import io.poseidon.processors.sim.SimModule;
import io.poseidon.processors.tide.TideModule;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.service.ServiceModule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The services of this build: the one list. The node, the CLI, the reference docs and the contract
 * checks loop over it; adding a service is its module, its routes and one line here.
 */
public final class Services {

  /** Every service this build has, in the order the docs list them. */
  public static final List<GatewayService<?>> ALL = List.of(
      GatewayService.of(new DepthsModule(), DepthsRoutes::new),
      GatewayService.of(new TideModule(), TideRoutes::new),
      GatewayService.of(new LighthouseModule(), LighthouseRoutes::new),
      GatewayService.of(new OracleModule(), OracleRoutes::new),
      GatewayService.of(new CurrentModule(), WorkflowRoutes::new),
      GatewayService.of(new ForgeModule(), PipelineRoutes::new),
      GatewayService.of(new HarborModule(), HarborRoutes::new),
      GatewayService.of(new io.poseidon.processors.anchor.AnchorModule(), io.poseidon.gateway.http.AnchorRoutes::new),
      GatewayService.withoutRoutes(new SimModule()));

  private Services() {}

  public static List<ServiceModule<?>> modules() {
    return ALL.stream().<ServiceModule<?>>map(GatewayService::module).toList();
  }

  /** Names of the services this build can run. */
  public static List<String> names() {
    return ALL.stream().map(GatewayService::name).toList();
  }

  /** Every topic of the build, composed from the modules. */
  public static TopicCatalog catalog() {
    return TopicCatalog.of(modules());
  }

  /** The HTTP contract: the node's base document and every service's fragment. */
  public static ApiContract contract() {
    return ApiContract.load(ALL.stream().map(GatewayService::contractFragment).filter(Objects::nonNull).toList());
  }

  /** Every ConfigDef a node reads (environment overrides and docs/configuration.md come from these). */
  public static List<ConfigDef> configDefinitions() {
    List<ConfigDef> definitions = new ArrayList<>();
    definitions.add(PoseidonConfig.CONFIG);
    ALL.forEach(s -> definitions.add(s.module().config()));
    return definitions;
  }

  /** The service named {@code name}; a ConfigException naming the available ones when there is none. */
  public static GatewayService<?> named(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new ConfigException(
        PoseidonConfig.NODE_SERVICES, name, "service '" + name + "' is not in this build; available: " + names()));
  }
}
