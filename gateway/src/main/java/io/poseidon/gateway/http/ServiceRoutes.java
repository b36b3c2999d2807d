package io.poseidon.gateway.http;

/**
 * A service's HTTP routes: handlers for the operations of its contract fragment
 * ({@code openapi/<service>.yaml}), bound by operationId. A routes class is written against its
 * service's query facade and the shared {@link RouteContext}; it holds no state of its own.
 */
public interface ServiceRoutes {

  /** Binds a handler to every operation of the service's fragment. */
  void bind(Operations operations);

  /** Where handlers are bound. */
  interface Operations {
    /** Binds {@code handler} to {@code operationId}; fails when the contract has no such operation. */
    void on(String operationId, io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> handler);
  }

  /** Makes a service's routes from what the node gives it. */
  @FunctionalInterface
  interface Factory<Q> {
    ServiceRoutes create(RouteContext<Q> context);
  }
}
