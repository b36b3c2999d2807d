package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.forge.ForgeTopology;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineStatus;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two gateways over real HTTP: a request for a key the other node owns is forwarded there and answered as is. */
@ExtendWith(VertxExtension.class)
class QueryForwarderTest {

  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private GatewayFixture a;
  private GatewayFixture b;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    a = new GatewayFixture(vertx, "node-a", 100, (topic, value) -> new byte[16]).start();
    b = new GatewayFixture(vertx, "node-b", 100, (topic, value) -> new byte[16]).start();
    a.streams.ownedBy(new HostInfo("127.0.0.1", b.port()));
    b.streams.put(ForgeTopology.RUN_STORE, "run-1", PipelineRun.newBuilder().setRunId("run-1").setService("checkout")
        .setCommit("3f2a9c1").setBranch("main").setStatus(PipelineStatus.RUNNING).setStages(List.of())
        .setCorrelationId("c-1").setRequestedAt(GatewayFixture.NOW).setUpdatedAt(GatewayFixture.NOW).build());
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  @Test
  void shouldAnswerAQueryFromTheOwnerAndSayWhoServedIt() {
    for (int i = 0; i < 50; i++) { // forwarded requests reuse the forwarder's connections
      GatewayFixture.Reply reply = a.get("/api/v1/pipeline-runs/run-1");
      assertEquals(200, reply.status(), reply.body());
      assertEquals("node-b", reply.json().getString("servedBy"));
      assertEquals("node-b", reply.header(QueryForwarder.SERVED_BY));
    }
    assertEquals(404, a.get("/api/v1/pipeline-runs/run-2").status(), "the owner's 404 is relayed");
  }

  @Test
  void shouldKeepTheCallersCredentialsTraceAndRequestIdOnAForwardedCommand() {
    String key = a.key("ada", io.poseidon.gateway.http.auth.Role.OPERATOR);
    a.keys.all().forEach(k -> b.keys.apply(k.getKeyId(), k)); // every node reads the same keys
    GatewayFixture.Reply reply = a.post("/api/v1/pipeline-runs/run-1/cancel", Map.of("Content-Type", "application/json",
        "X-API-Key", key, "traceparent", TRACEPARENT, "X-Request-Id", "req-42"), "{\"reason\":\"flaky\"}");

    assertEquals(202, reply.status(), reply.body());
    assertEquals("req-42", reply.header("X-Request-Id"));
    assertEquals(0, a.producer.history().size(), "the owner produced it");
    PipelineCommand cancel = (PipelineCommand) b.producer.history().get(0).value();
    assertTrue(cancel.getMeta().getActor().startsWith("ada (key:"), "the owner authenticated the same key: "
        + cancel.getMeta().getActor());
    // the caller's trace, under the owner's server span (itself a child of the forwarding node's)
    assertEquals(io.poseidon.topology.tracing.Tracing.traceIdOf(TRACEPARENT),
        io.poseidon.topology.tracing.Tracing.traceIdOf(cancel.getMeta().getTraceparent()));
    assertTrue(!TRACEPARENT.equals(cancel.getMeta().getTraceparent()), "a span of the owner's own");
  }

  @Test
  void shouldAnswerFromAStandbyReplicaWhenTheOwnersNodeIsDown() {
    HostInfo dead = new HostInfo("127.0.0.1", 1); // nothing listens there: connection refused
    a.streams.ownedBy(dead);
    b.streams.ownedBy(dead);
    a.streams.standbysOn(new HostInfo("127.0.0.1", b.port()));
    b.streams.standbysOn(b.streams.self()); // how b's Streams names b (a knows it by its port)

    GatewayFixture.Reply reply = a.get("/api/v1/pipeline-runs/run-1");

    assertEquals(200, reply.status(), reply.body());
    assertEquals("node-b", reply.header(QueryForwarder.SERVED_BY));
    assertEquals("standby", reply.header(QueryForwarder.REPLICA), "the answer says it may be behind");

    GatewayFixture.Reply onTheStandby = b.get("/api/v1/pipeline-runs/run-1");
    assertEquals(200, onTheStandby.status(), onTheStandby.body());
    assertEquals("standby", onTheStandby.header(QueryForwarder.REPLICA));

    GatewayFixture.Reply readYourWrites = a.get("/api/v1/pipeline-runs/run-1?after=forge.pipeline-commands:0:5");
    assertEquals(503, readYourWrites.status(), "a standby does not answer a read-your-writes query");
  }

  @Test
  void shouldNotForwardAgainWhenTheOwnerThinksSomeoneElseOwnsTheKey() {
    b.streams.ownedBy(new HostInfo("127.0.0.1", a.port()));

    GatewayFixture.Reply reply = a.get("/api/v1/pipeline-runs/run-1");

    assertEquals(503, reply.status(), reply.body());
    assertEquals("owner_moving", reply.code());
    assertEquals("1", reply.header("Retry-After"));
  }
}
