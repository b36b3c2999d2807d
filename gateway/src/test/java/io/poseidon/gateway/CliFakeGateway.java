package io.poseidon.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A gateway for the CLI's tests: a real Vert.x HTTP server on a free port answering the contract's shapes
 * (harbor, current, forge, depths, lighthouse, anchor, the live stream as Server-Sent Events with ids,
 * Last-Event-ID resume, heartbeats and eviction comments). What it was asked is recorded for the tests.
 */
final class CliFakeGateway implements AutoCloseable {

  /** One event of the fake's topics; {@code offset} per topic, one partition. */
  record Event(String topic, long offset, String key, String type, JsonObject payload) {
    String message(String position) {
      return new JsonObject().put("topic", topic).put("partition", 0).put("offset", offset).put("key", key)
          .put("type", type).put("time", Instant.parse("2026-12-02T08:02:49.120Z").plusMillis(offset).toString())
          .put("value", new JsonObject().put("meta", new JsonObject().put("type", type)).put("payload", payload))
          .put("position", position).encode();
    }
  }

  private record Client(HttpServerResponse response, Set<String> topics, Set<String> keys, Map<String, Long> next) {}

  final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  final List<Event> log = new CopyOnWriteArrayList<>();
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  /** Every request as "METHOD path?query", in order; SSE connections as "STREAM query [Last-Event-ID]". */
  final List<String> requests = new CopyOnWriteArrayList<>();
  final Map<String, String> lastHeaders = new java.util.concurrent.ConcurrentHashMap<>();
  /** How the fake's deployments end: SUCCEEDED, ROLLED_BACK, or null (never). */
  volatile String deploymentOutcome = "SUCCEEDED";
  volatile boolean hasActiveDeploymentsRoute = true;
  /** Whether GET /api/v1/instances (every service's instances) is offered: payments' i-1 only. */
  volatile boolean hasAllInstancesRoute = false;
  final JsonObject deployments = new JsonObject();

  CliFakeGateway() throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    String query = req.query() == null ? "" : "?" + req.query();
    req.headers().forEach(h -> lastHeaders.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
    if (path.equals("/api/v1/stream")) {
      stream(req);
      return;
    }
    requests.add(req.method() + " " + path + query);
    req.body().onSuccess(body -> route(req, path, body.toString()));
  }

  private void route(HttpServerRequest req, String path, String body) {
    HttpServerResponse res = req.response().putHeader("Content-Type", "application/json");
    String[] p = path.split("/");
    String method = req.method().name();
    if (method.equals("POST") && path.equals("/api/v1/deployments")) {
      JsonObject request = new JsonObject(body);
      if (request.getString("version", "").isBlank() || request.getString("version").contains(" ")) {
        res.setStatusCode(400).end(error("validation_failed", "the request is not valid", new JsonArray()
            .add(new JsonObject().put("field", "version").put("message", "must match \"^[^\\\\x00-\\\\x1F\\\\x7F]+$\""))
            .add(new JsonObject().put("field", "environments[0]").put("message", "must match the pattern"))));
        return;
      }
      String service = request.getString("service");
      String id = service + ".5b1e8a3c-0f4e-3d2a-9c61-" + String.format("%012d", deployments.size() + 1);
      deployments.put(id, deployment(id, request, "QUEUED"));
      res.setStatusCode(202).putHeader("Poseidon-Position", "harbor.deployment-commands:1:41")
          .end(new JsonObject().put("eventId", "e-1").put("correlationId", id).put("type", "harbor.DeploymentRequested")
              .put("position", new JsonObject().put("topic", "harbor.deployment-commands").put("partition", 1)
                  .put("offset", 41).put("token", "harbor.deployment-commands:1:41")).put("deploymentId", id).encode());
      playDeployment(id, service, request.getJsonArray("environments"));
      return;
    }
    if (method.equals("POST") && path.equals("/api/v1/workflows")) {
      JsonObject request = new JsonObject(body);
      String id = "wf-" + request.getString("commit");
      res.setStatusCode(202).end(new JsonObject().put("workflowId", id).put("position",
          new JsonObject().put("token", "current.workflow-commands:0:7")).encode());
      playWorkflow(id, request.getString("service"), request.getString("commit"));
      return;
    }
    if (path.equals("/api/v1/deployments") && method.equals("GET")) {
      if ("true".equals(req.getParam("active")) && !hasActiveDeploymentsRoute) {
        res.setStatusCode(404).end(error("not_found", "no route GET /api/v1/deployments", new JsonArray()));
        return;
      }
      JsonArray all = new JsonArray();
      deployments.forEach(e -> all.add(e.getValue()));
      all.add(deployment("orders.0001", new JsonObject().put("service", "orders").put("version", "2.0.0")
          .put("environments", new JsonArray().add("dev").add("prod")), "RUNNING")
          .put("currentEnvironment", "prod").put("currentAction", "HEALTH_GATE"));
      all.add(deployment("payments.0002", new JsonObject().put("service", "payments").put("version", "1.4.2")
          .put("environments", new JsonArray().add("staging")), "ROLLING_BACK"));
      boolean second = "page-2".equals(req.getParam("cursor"));
      JsonArray page = new JsonArray(second ? all.getList().subList(all.size() - 1, all.size())
          : all.getList().subList(0, all.size() - 1));
      res.end(new JsonObject().put("deployments", page).put("nextCursor", second ? null : "page-2")
          .put("nodes", 1).put("unreachable", new JsonArray()).put("servedBy", "fake").encode());
      return;
    }
    if (p.length == 5 && path.startsWith("/api/v1/deployments/")) {
      JsonObject d = deployments.getJsonObject(p[4]);
      if ("slow".equals(req.getParam("after"))) {
        res.setStatusCode(504).putHeader("Retry-After", "1")
            .end(error("position_not_reached", "the store has not processed slow within 5s", new JsonArray()));
      } else if (d == null) {
        res.setStatusCode(404).end(error("not_found", "no deployment " + p[4], new JsonArray()));
      } else {
        res.putHeader("Poseidon-Served-By", "fake-node").putHeader("Poseidon-Replica", "standby")
            .putHeader("Poseidon-Lag", "3").end(d.encode());
      }
      return;
    }
    if (path.equals("/api/v1/instances") && method.equals("GET") && hasAllInstancesRoute) {
      res.putHeader("Poseidon-Served-By", "fake-node").end(new JsonObject().put("instances", new JsonArray()
          .add(new JsonObject().put("service", "payments").put("instanceId", "i-1").put("host", "10.0.0.7")
              .put("port", 8443).put("version", "1.4.2"))).put("nextCursor", null).encode());
      return;
    }
    if (p.length == 6 && path.startsWith("/api/v1/services/") && p[5].equals("instances")) {
      JsonArray instances = new JsonArray();
      if (p[4].equals("payments")) {
        instances.add(new JsonObject().put("service", "payments").put("instanceId", "i-1").put("host", "10.0.0.7")
            .put("port", 8443).put("version", "1.4.2"));
      }
      res.putHeader("Poseidon-Served-By", "fake-node").end(new JsonObject().put("service", p[4])
          .put("instances", instances).put("nextCursor", null).put("servedBy", "fake-node").encode());
      return;
    }
    if (p.length == 6 && path.startsWith("/api/v1/services/") && p[5].equals("health")) {
      if (p[4].equals("payments")) {
        res.putHeader("Poseidon-Served-By", "fake-node").end(new JsonObject().put("service", "payments")
            .put("state", "HEALTHY").put("environments", new JsonArray()).encode());
      } else {
        res.setStatusCode(404).end(error("service_not_running", "lighthouse is not run by this node", new JsonArray()));
      }
      return;
    }
    if (path.equals("/api/v1/answer")) {
      res.end(new JsonObject().put("sentences", new JsonArray().add(new JsonObject().put("text",
          "A failed health gate rolls the deployment back.").put("title", "Deployments").put("docId", "docs/deployments.md")
          .put("citation", new JsonObject().put("heading", "Rollback").put("start", 10).put("end", 60)))).encode());
      return;
    }
    res.setStatusCode(404).end(error("not_found", "no route " + method + " " + path, new JsonArray()));
  }

  private static JsonObject deployment(String id, JsonObject request, String status) {
    return new JsonObject().put("deploymentId", id).put("service", request.getString("service"))
        .put("version", request.getString("version")).put("environments", request.getJsonArray("environments"))
        .put("strategy", "ROLLING").put("status", status).put("currentEnvironment", null).put("currentAction", null)
        .put("history", new JsonArray()).put("servedBy", "fake-node");
  }

  private static String error(String code, String message, JsonArray details) {
    return new JsonObject().put("code", code).put("message", message).put("details", details)
        .put("requestId", "r-1").encode();
  }

  /** The saga of a deployment as harbor writes it, one event every 20 ms; the outcome {@link #deploymentOutcome}. */
  private void playDeployment(String id, String service, JsonArray environments) {
    List<Object[]> steps = new ArrayList<>();
    steps.add(new Object[] {"harbor.DeploymentStarted", new JsonObject()});
    boolean fail = "ROLLED_BACK".equals(deploymentOutcome);
    for (int i = 0; i < environments.size(); i++) {
      String env = environments.getString(i);
      boolean last = i == environments.size() - 1;
      steps.add(step(env, "DEPLOY", "RUNNING", null));
      steps.add(step(env, "DEPLOY", "COMPLETED", null));
      steps.add(step(env, "HEALTH_GATE", "RUNNING", null));
      if (fail && last) {
        steps.add(step(env, "HEALTH_GATE", "FAILED", "UNHEALTHY: p99 2472.7 > 500"));
        for (int j = i - 1; j >= 0; j--) {
          steps.add(step(environments.getString(j), "ROLLBACK", "RUNNING", null));
          steps.add(step(environments.getString(j), "ROLLBACK", "COMPLETED", null));
        }
      } else {
        steps.add(step(env, "HEALTH_GATE", "COMPLETED", null));
      }
    }
    String outcome = deploymentOutcome;
    if (outcome != null) {
      steps.add(new Object[] {"harbor.DeploymentFinished", new JsonObject().put("version", "x").put("status", outcome)
          .put("reason", fail ? "health gate failed in " + environments.getString(environments.size() - 1) : null)});
    }
    long delay = 20;
    for (Object[] s : steps) {
      JsonObject payload = ((JsonObject) s[1]).put("deploymentId", id).put("service", service);
      vertx.setTimer(delay, t -> {
        if (s[0].equals("harbor.DeploymentFinished")) {
          deployments.getJsonObject(id).put("status", outcome);
        }
        publish(OpsCommands.DEPLOYMENT_EVENTS, service, (String) s[0], payload);
      });
      delay += 20;
    }
  }

  private static Object[] step(String env, String action, String status, String detail) {
    return new Object[] {"harbor.EnvironmentStepChanged", new JsonObject().put("environment", env).put("action", action)
        .put("status", status).put("attempt", 1).put("detail", detail)};
  }

  private void playWorkflow(String id, String service, String commit) {
    List<Object[]> steps = List.of(
        new Object[] {"current.WorkflowStarted", new JsonObject().put("service", service).put("commit", commit)},
        new Object[] {"current.WorkflowStepChanged", new JsonObject().put("step", "QUALITY_CHECKS").put("status", "COMPLETED")},
        new Object[] {"current.WorkflowStepChanged", new JsonObject().put("step", "PIPELINE").put("status", "RUNNING").put("reference", "run-1")},
        new Object[] {"current.WorkflowStepChanged", new JsonObject().put("step", "PIPELINE").put("status", "COMPLETED").put("reference", "run-1")},
        new Object[] {"current.WorkflowStepChanged", new JsonObject().put("step", "DEPLOYMENT").put("status", "COMPLETED").put("reference", service + ".d-1")},
        new Object[] {"current.WorkflowCompleted", new JsonObject().put("service", service).put("commit", commit).put("deploymentId", service + ".d-1")});
    long delay = 20;
    publish(OpsCommands.WORKFLOW_EVENTS, "wf-other", "current.WorkflowStarted", new JsonObject().put("workflowId", "wf-other"));
    for (Object[] s : steps) {
      JsonObject payload = ((JsonObject) s[1]).put("workflowId", id);
      vertx.setTimer(delay, t -> publish(OpsCommands.WORKFLOW_EVENTS, id, (String) s[0], payload));
      delay += 20;
    }
  }

  // the live stream ---------------------------------------------------------------------------------

  private void stream(HttpServerRequest req) {
    String lastId = req.getHeader("Last-Event-ID");
    requests.add("STREAM " + req.query() + (lastId == null ? "" : " Last-Event-ID=" + lastId));
    if (!String.valueOf(req.getHeader("Accept")).contains("text/event-stream")) {
      req.response().setStatusCode(406).end(error("not_acceptable", "send Accept: text/event-stream", new JsonArray()));
      return;
    }
    Set<String> topics = Set.of(req.getParam("topics", "").split(","));
    if (topics.contains("nope")) {
      req.response().setStatusCode(400).putHeader("Content-Type", "application/json").end(error("validation_failed",
          "the stream request is not valid", new JsonArray().add(new JsonObject().put("field", "topics")
              .put("message", "nope is not a public topic (GET /api/v1/topics lists them)"))));
      return;
    }
    Set<String> keys = req.getParam("key") == null ? Set.of() : Set.of(req.getParam("key").split(","));
    Map<String, Long> next = new HashMap<>();
    String from = lastId != null ? lastId : req.getParam("from", "latest");
    for (String topic : topics) {
      next.put(topic, from.equals("earliest") ? 0L : log.stream().filter(e -> e.topic().equals(topic)).count());
    }
    if (from.contains(":")) {
      for (String part : from.split(",")) {
        String[] tpo = part.split(":");
        next.put(tpo[0], Long.parseLong(tpo[2]));
      }
    }
    HttpServerResponse res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
    Client client = new Client(res, topics, keys, next);
    res.write("retry: 50\n: connected to fake\n\n");
    for (Event e : log) { // what the position asks for that is already there
      if (e.offset() >= next.getOrDefault(e.topic(), Long.MAX_VALUE)) {
        send(client, e);
      }
    }
    clients.add(client);
    res.closeHandler(v -> clients.remove(client));
  }

  /** Appends an event to {@code topic} and sends it to the clients that take it. */
  void publish(String topic, String key, String type, JsonObject payload) {
    vertx.runOnContext(v -> {
      long offset = log.stream().filter(e -> e.topic().equals(topic)).count();
      Event event = new Event(topic, offset, key, type, payload);
      log.add(event);
      clients.forEach(c -> send(c, event));
    });
  }

  private void send(Client c, Event e) {
    if (!c.topics().contains(e.topic()) || e.offset() < c.next().getOrDefault(e.topic(), Long.MAX_VALUE)) {
      return;
    }
    c.next().put(e.topic(), e.offset() + 1);
    if (!c.keys().isEmpty() && !c.keys().contains(e.key())) {
      return;
    }
    StringBuilder id = new StringBuilder();
    new java.util.TreeMap<>(c.next()).forEach((t, o) -> id.append(id.length() == 0 ? "" : ",").append(t).append(":0:").append(o));
    c.response().write("id: " + id + "\nevent: " + e.type() + "\ndata: " + e.message(id.toString()) + "\n\n");
  }

  /** Heartbeat comments to every client. */
  void heartbeat() {
    vertx.runOnContext(v -> clients.forEach(c -> c.response().write(": heartbeat\n\n")));
  }

  /** Drops every stream connection (a proxy restart, a network blip). */
  void dropStreams() {
    vertx.runOnContext(v -> clients.forEach(c -> c.response().reset()));
  }

  /** Closes every stream as the gateway does a slow client. */
  void evictStreams() {
    vertx.runOnContext(v -> clients.forEach(c -> {
      clients.remove(c);
      c.response().end(": evicted: slow consumer (1000 events waiting); reconnect with the last id\n\n");
    }));
  }

  int streamClients() {
    return clients.size();
  }

  @Override
  public void close() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }
}
