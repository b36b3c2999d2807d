package io.poseidon.gateway.node;

import io.poseidon.gateway.http.GatewayServer;
import io.poseidon.gateway.http.RouteContext;
import io.poseidon.gateway.http.ServiceRoutes;
import io.poseidon.topology.service.ServiceModule;

/**
 * A service of the build as the node runs it: its module (topology, topics, config, queries) and the
 * gateway routes bound to it. The routes' operations live in {@code openapi/<service>.yaml}.
 *
 * @param routes null for a service without HTTP routes (sim)
 */
public record GatewayService<Q>(ServiceModule<Q> module, ServiceRoutes.Factory<Q> routes) {

  public static <Q> GatewayService<Q> of(ServiceModule<Q> module, ServiceRoutes.Factory<Q> routes) {
    return new GatewayService<>(module, routes);
  }

  /** A service with no HTTP routes of its own. */
  public static <Q> GatewayService<Q> withoutRoutes(ServiceModule<Q> module) {
    return new GatewayService<>(module, null);
  }

  public String name() {
    return module.name();
  }

  /** The service's part of the contract, or null when it has no routes. */
  public String contractFragment() {
    return routes == null ? null : "openapi/" + module.name() + ".yaml";
  }

  /** The gateway's binding: the routes when this node runs the service, else its operations answer 404. */
  public GatewayServer.Binding binding(RouteContext<Q> context, boolean running) {
    return new GatewayServer.Binding(name(), contractFragment(), running ? routes.create(context) : null);
  }
}
