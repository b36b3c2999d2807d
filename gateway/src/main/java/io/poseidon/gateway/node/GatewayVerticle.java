package io.poseidon.gateway.node;

import io.poseidon.gateway.http.GatewayServer;
import io.vertx.core.VerticleBase;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;

/**
 * One HTTP server instance with its own router, on one event loop. The node deploys
 * {@code http.event-loops} of them on the same port; Vert.x spreads connections over them.
 */
final class GatewayVerticle extends VerticleBase {

  private final GatewayServer.Setup setup;
  private final String host;
  private final int port;
  private final java.util.function.IntConsumer bound;
  private HttpServer server;

  GatewayVerticle(GatewayServer.Setup setup, String host, int port, java.util.function.IntConsumer bound) {
    this.setup = setup;
    this.host = host;
    this.port = port;
    this.bound = bound;
  }

  @Override
  public Future<?> start() {
    return GatewayServer.listen(vertx, GatewayServer.router(vertx, setup), host, port).onSuccess(s -> {
      server = s;
      bound.accept(s.actualPort());
    });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
