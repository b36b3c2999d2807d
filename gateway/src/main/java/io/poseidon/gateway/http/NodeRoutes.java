package io.poseidon.gateway.http;

import io.poseidon.processors.current.CurrentQueries;
import io.poseidon.processors.current.CurrentService;
import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.processors.depths.DepthsQueries;
import io.poseidon.processors.depths.DepthsService;
import io.poseidon.processors.forge.ForgeQueries;
import io.poseidon.processors.forge.ForgeService;
import io.poseidon.processors.harbor.HarborQueries;
import io.poseidon.processors.harbor.HarborService;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The API routes of the services a node runs (the contract test mounts them all). */
public final class NodeRoutes {

  /** What the routes need from the node; the query suppliers answer once the services started. */
  public record Dependencies(EventPublisher publisher, Responses responses, Supplier<DepthsQueries> depths,
      DepthsConfig depthsConfig, Supplier<HarborQueries> harbor, Supplier<ForgeQueries> forge,
      Supplier<CurrentQueries> current, Clock clock) {}

  private NodeRoutes() {}

  public static List<Consumer<Router>> forServices(Collection<String> services, Dependencies deps) {
    List<Consumer<Router>> routes = new ArrayList<>();
    if (services.contains(DepthsService.NAME)) {
      routes.add(new DepthsRoutes(deps.publisher(), deps.responses(), deps.depths(), deps.depthsConfig(),
          deps.clock())::mount);
    }
    if (services.contains(HarborService.NAME)) {
      routes.add(new HarborRoutes(deps.publisher(), deps.responses(), deps.harbor(), deps.clock())::mount);
    }
    if (services.contains(ForgeService.NAME)) {
      routes.add(new PipelineRoutes(deps.publisher(), deps.responses(), deps.forge(), deps.clock())::mount);
    }
    if (services.contains(CurrentService.NAME)) {
      routes.add(new WorkflowRoutes(deps.publisher(), deps.responses(), deps.current(), deps.clock())::mount);
    }
    return routes;
  }
}
