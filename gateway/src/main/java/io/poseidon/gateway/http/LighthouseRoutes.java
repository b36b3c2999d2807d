package io.poseidon.gateway.http;

import io.poseidon.processors.lighthouse.Alerts;
import io.poseidon.processors.lighthouse.HealthJudge;
import io.poseidon.processors.lighthouse.LighthouseConfig;
import io.poseidon.processors.lighthouse.LighthouseQueries;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.lighthouse.LighthouseValidation;
import io.poseidon.processors.lighthouse.Resolution;
import io.poseidon.processors.lighthouse.Stat;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.lighthouse.AlertOp;
import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.HealthPolicy;
import io.poseidon.schemas.lighthouse.HealthPolicyEvent;
import io.poseidon.schemas.lighthouse.HealthState;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * lighthouse over HTTP (operations of openapi/lighthouse.yaml): post metric batches, query series, log
 * counts and error lines, read health, manage alert rules and health policies, list alerts (gathered
 * from every node).
 */
public final class LighthouseRoutes implements ServiceRoutes {

  /** How long a rule or policy change waits to be in this node's global store before it answers. */
  static final Duration APPLY_WAIT = Duration.ofSeconds(5);
  /** Most points a query answers per series (Prometheus' limit). */
  static final long MAX_STEPS = 11_000;

  private final RouteContext<LighthouseQueries> context;
  private final LighthouseConfig config;

  public LighthouseRoutes(RouteContext<LighthouseQueries> context) {
    this.context = context;
    this.config = new LighthouseConfig(context.config());
  }

  @Override
  public void bind(Operations operations) {
    operations.on("postMetrics", this::postMetrics);
    operations.on("queryMetrics", this::queryMetrics);
    operations.on("getServiceHealth", this::health);
    operations.on("getHealthPolicy", this::getPolicy);
    operations.on("putHealthPolicy", this::putPolicy);
    operations.on("listAlertRules", this::listRules);
    operations.on("getAlertRule", this::getRule);
    operations.on("putAlertRule", this::putRule);
    operations.on("deleteAlertRule", this::deleteRule);
    operations.on("listAlerts", this::listAlerts);
    operations.on("logCounts", this::logCounts);
    operations.on("recentErrors", this::recentErrors);
  }

  // --- metrics ---

  private void postMetrics(RoutingContext ctx) {
    JsonObject json = Commands.body(ctx);
    List<FieldError> errors = new ArrayList<>();
    Instant now = context.clock().instant();
    List<MetricPoint> points = new ArrayList<>();
    JsonArray given = json.getJsonArray("points", new JsonArray());
    for (int i = 0; i < given.size(); i++) {
      JsonObject p = given.getJsonObject(i);
      Instant time = now;
      if (p.getValue("time") != null) {
        time = instant(p.getValue("time"));
        if (time == null) {
          errors.add(new FieldError("points[" + i + "].time", "must be an ISO-8601 date-time with an offset or epoch ms"));
          continue;
        }
      }
      Map<String, String> labels = new TreeMap<>();
      p.getJsonObject("labels", new JsonObject()).forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
      points.add(MetricPoint.newBuilder().setName(p.getString("name")).setTime(time)
          .setValue(p.getNumber("value").doubleValue()).setUnit(p.getString("unit")).setLabels(labels).build());
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    if (json.getString("environment") != null) {
      attributes.put("environment", json.getString("environment"));
    }
    MetricBatch batch = MetricBatch.newBuilder().setService(json.getString("service"))
        .setInstance(json.getString("instance")).setPoints(points).setAttributes(attributes).build();
    if (errors.isEmpty()) {
      errors.addAll(Commands.errors(LighthouseValidation.check(batch, config.maxPoints())));
    }
    if (!Commands.valid(ctx, "the metric batch", errors)) {
      return;
    }
    EventMeta meta = EventMetas.first("lighthouse.MetricBatch", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), context.clock());
    context.responses().accepted(ctx, meta, context.publisher().publish(LighthouseTopics.METRICS, batch.getService(),
        new MetricEvent(meta, batch)), ack -> ack.put("points", points.size()));
  }

  private void queryMetrics(RoutingContext ctx) {
    List<FieldError> errors = new ArrayList<>();
    String service = ctx.queryParams().get("service");
    String name = ctx.queryParams().get("name");
    Stat stat = Stat.parse(Optional.ofNullable(ctx.queryParams().get("stat")).orElse("avg")).orElse(null);
    if (stat == null) {
      errors.add(new FieldError("stat", "must be one of " + Stat.names()));
    }
    Range range = range(ctx, Duration.ofMinutes(1), errors);
    Resolution resolution = range == null ? null : Resolution.forStep(range.step());
    if (range != null && resolution == null) {
      errors.add(new FieldError("step", "must be a multiple of 10s (10s, 1m, 5m, 1h ...)"));
    }
    Map<String, String> labels = labels(ctx.queryParams().get("labels"), errors);
    if (!Commands.valid(ctx, "the query", errors)) {
      return;
    }
    context.responses().query(ctx, () -> context.queries().get().metrics(service, name, stat, range.from(), range.to(),
        range.step(), labels), answer -> {
          JsonArray series = new JsonArray();
          for (LighthouseQueries.SeriesPoints s : answer.series()) {
            JsonArray points = new JsonArray();
            s.points().forEach(p -> points.add(new JsonObject().put("time", p.time().toString()).put("count", p.count())
                .put("sum", p.sum()).put("min", p.min()).put("max", p.max())
                .put("value", Double.isNaN(p.value()) ? null : p.value())));
            series.add(new JsonObject().put("labels", new JsonObject(new LinkedHashMap<>(s.labels())))
                .put("unit", s.unit()).put("points", points));
          }
          return new JsonObject().put("service", service).put("name", name).put("stat", stat.apiName())
              .put("from", range.from().toString()).put("to", range.to().toString())
              .put("step", ctx.queryParams().get("step") == null ? "1m" : ctx.queryParams().get("step"))
              .put("resolution", answer.resolution().size.toSeconds() >= 3600 ? "1h"
                  : answer.resolution().size.toSeconds() >= 60 ? "1m" : "10s")
              .put("latePoints", answer.latePoints()).put("series", series);
        });
  }

  // --- health ---

  private void health(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    context.responses().query(ctx, () -> context.queries().get().health(service), reports -> {
      JsonArray envs = new JsonArray();
      HealthState worst = HealthState.UNKNOWN;
      for (HealthEvent e : reports) {
        ServiceHealthReported r = (ServiceHealthReported) e.getPayload();
        worst = worse(worst, r.getState());
        envs.add(new JsonObject().put("environment", r.getEnvironment()).put("state", r.getState().name())
            .put("detail", r.getDetail()).put("reasons", new JsonArray(new ArrayList<>(r.getReasons())))
            .put("latency", r.getLatency()).put("errorRate", r.getErrorRate())
            .put("liveInstances", r.getLiveInstances()).put("deploymentId", r.getDeploymentId())
            .put("judgedAt", e.getMeta().getTime().toString()));
      }
      return new JsonObject().put("service", service).put("state", worst.name()).put("environments", envs);
    });
  }

  /** UNHEALTHY over DEGRADED over HEALTHY over UNKNOWN. */
  static HealthState worse(HealthState a, HealthState b) {
    List<HealthState> order = List.of(HealthState.UNKNOWN, HealthState.HEALTHY, HealthState.DEGRADED,
        HealthState.UNHEALTHY);
    return order.indexOf(a) >= order.indexOf(b) ? a : b;
  }

  private void getPolicy(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    context.responses().query(ctx, () -> context.queries().get().policy(service), stored -> {
      HealthPolicy p = stored.map(LighthouseQueries.StoredPolicy::policy).orElse(HealthJudge.defaults(service, config));
      JsonObject json = policyJson(p).put("service", service).put("default", stored.isEmpty())
          .put("updatedAt", stored.map(s -> s.event().getMeta().getTime().toString()).orElse(null));
      return json;
    });
  }

  private void putPolicy(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    JsonObject json = Commands.body(ctx);
    HealthPolicy defaults = HealthJudge.defaults(service, config);
    HealthPolicy policy = HealthPolicy.newBuilder()
        .setService(service)
        .setWindow(json.getString("window", defaults.getWindow()))
        .setLatencyMetric(json.getString("latencyMetric", defaults.getLatencyMetric()))
        .setLatencyStat(json.getString("latencyStat", defaults.getLatencyStat()))
        .setLatencyDegradedMs(number(json, "latencyDegradedMs", defaults.getLatencyDegradedMs()))
        .setLatencyUnhealthyMs(number(json, "latencyUnhealthyMs", defaults.getLatencyUnhealthyMs()))
        .setErrorRateDegraded(number(json, "errorRateDegraded", defaults.getErrorRateDegraded()))
        .setErrorRateUnhealthy(number(json, "errorRateUnhealthy", defaults.getErrorRateUnhealthy()))
        .setMinInstances(json.getInteger("minInstances", defaults.getMinInstances()))
        .build();
    if (!Commands.valid(ctx, "the health policy", Commands.errors(LighthouseValidation.check(policy)))) {
      return;
    }
    EventMeta meta = EventMetas.first("lighthouse.HealthPolicy", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), context.clock());
    publishAndWait(ctx, meta, context.publisher().publish(LighthouseTopics.HEALTH_POLICIES, service,
        new HealthPolicyEvent(meta, policy)), () -> context.queries().get().policy(service),
        found -> found.map(p -> p.event().getMeta().getEventId().equals(meta.getEventId())).orElse(false),
        ack -> ack.put("service", service));
  }

  /** A threshold: absent → the default, null → not judged. */
  private static Double number(JsonObject json, String field, Double fallback) {
    if (!json.containsKey(field)) {
      return fallback;
    }
    Number n = json.getNumber(field);
    return n == null ? null : n.doubleValue();
  }

  static JsonObject policyJson(HealthPolicy p) {
    return new JsonObject().put("window", p.getWindow()).put("latencyMetric", p.getLatencyMetric())
        .put("latencyStat", p.getLatencyStat()).put("latencyDegradedMs", p.getLatencyDegradedMs())
        .put("latencyUnhealthyMs", p.getLatencyUnhealthyMs()).put("errorRateDegraded", p.getErrorRateDegraded())
        .put("errorRateUnhealthy", p.getErrorRateUnhealthy()).put("minInstances", p.getMinInstances());
  }

  // --- alert rules ---

  private void listRules(RoutingContext ctx) {
    context.responses().query(ctx, () -> context.queries().get().rules(), rules -> {
      JsonArray list = new JsonArray();
      rules.stream().sorted(Comparator.comparing(r -> r.rule().getRuleId())).forEach(r -> list.add(ruleJson(r)));
      return new JsonObject().put("rules", list);
    });
  }

  private void getRule(RoutingContext ctx) {
    String ruleId = ctx.pathParam("ruleId");
    context.responses().lookup(ctx, () -> context.queries().get().rule(ruleId), "rule_not_found",
        "no alert rule " + ruleId, LighthouseRoutes::ruleJson);
  }

  private void putRule(RoutingContext ctx) {
    String ruleId = ctx.pathParam("ruleId");
    JsonObject json = Commands.body(ctx);
    AlertOp op = Alerts.parseOp(json.getString("op"));
    AlertRule rule = AlertRule.newBuilder()
        .setRuleId(ruleId)
        .setService(json.getString("service"))
        .setMetric(json.getString("metric"))
        .setStat(json.getString("stat"))
        .setWindow(json.getString("window"))
        .setOp(op == null ? AlertOp.GT : op)
        .setThreshold(json.getNumber("threshold").doubleValue())
        .setForDuration(json.getString("for", "0s"))
        .setSeverity(json.getString("severity", "warning"))
        .setLabels(stringMap(json.getJsonObject("labels", new JsonObject())))
        .setDescription(json.getString("description"))
        .build();
    List<FieldError> errors = Commands.errors(LighthouseValidation.check(rule));
    if (op == null) {
      errors = new ArrayList<>(errors);
      errors.add(new FieldError("op", "must be one of > >= < <= == !="));
    }
    if (!Commands.valid(ctx, "the alert rule", errors)) {
      return;
    }
    EventMeta meta = EventMetas.first("lighthouse.AlertRule", "gateway", Commands.actor(ctx), Commands.traceparent(ctx),
        context.clock());
    publishAndWait(ctx, meta, context.publisher().publish(LighthouseTopics.ALERT_RULES, ruleId,
        new AlertRuleEvent(meta, rule)), () -> context.queries().get().rule(ruleId),
        found -> found.map(r -> r.event().getMeta().getEventId().equals(meta.getEventId())).orElse(false),
        ack -> ack.put("ruleId", ruleId));
  }

  private void deleteRule(RoutingContext ctx) {
    String ruleId = ctx.pathParam("ruleId");
    context.responses().onOwner(ctx, () -> context.queries().get().rule(ruleId), known -> {
      if (known.isEmpty()) {
        ApiError.send(ctx, 404, "rule_not_found", "no alert rule " + ruleId);
        return;
      }
      EventMeta meta = EventMetas.first("lighthouse.AlertRuleDeleted", "gateway", Commands.actor(ctx),
          Commands.traceparent(ctx), context.clock());
      publishAndWait(ctx, meta, context.publisher().publish(LighthouseTopics.ALERT_RULES, ruleId, null),
          () -> context.queries().get().rule(ruleId), Optional::isEmpty, ack -> ack.put("ruleId", ruleId));
    });
  }

  /** Answers 202 once written and (within {@link #APPLY_WAIT}) visible in this node's global store. */
  private <T> void publishAndWait(RoutingContext ctx, EventMeta meta, Future<RecordMetadata> sent,
      java.util.concurrent.Callable<QueryResult<T>> read, Predicate<T> applied,
      java.util.function.UnaryOperator<JsonObject> extra) {
    context.responses().acceptedOnceApplied(ctx, meta, sent, () -> read.call() instanceof QueryResult.Local<T> local
        && applied.test(local.value()), APPLY_WAIT, extra);
  }

  static JsonObject ruleJson(LighthouseQueries.StoredRule stored) {
    AlertRule r = stored.rule();
    return new JsonObject()
        .put("ruleId", r.getRuleId())
        .put("service", r.getService())
        .put("metric", r.getMetric())
        .put("stat", r.getStat())
        .put("window", r.getWindow())
        .put("op", Alerts.symbol(r.getOp()))
        .put("threshold", r.getThreshold())
        .put("for", r.getForDuration())
        .put("severity", r.getSeverity())
        .put("labels", new JsonObject(new LinkedHashMap<>(r.getLabels())))
        .put("description", r.getDescription())
        .put("updatedAt", stored.event().getMeta().getTime().toString())
        .put("updatedBy", stored.event().getMeta().getActor())
        .put("eventId", stored.event().getMeta().getEventId());
  }

  // --- alerts ---

  private void listAlerts(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    String service = ctx.queryParams().get("service");
    List<HostInfo> others = Responses.otherNodes(ctx, () -> context.queries().get().alertHosts(),
        () -> context.queries().get().self());
    if (others == null) {
      return;
    }
    context.responses().gather(ctx, () -> context.queries().get().localAlerts(), alerts -> {
      JsonArray list = new JsonArray();
      alerts.stream()
          .filter(a -> a.getState() != io.poseidon.schemas.lighthouse.AlertState.INACTIVE)
          .filter(a -> state == null || a.getState().name().equals(state))
          .filter(a -> service == null || a.getService().equals(service))
          .forEach(a -> list.add(alertJson(a)));
      return new JsonObject().put("alerts", list);
    }, others, Responses.partUri(ctx), Responses.concat("alerts")); // ordered and paged by alertId (Paging)
  }

  static JsonObject alertJson(AlertStatus a) {
    return new JsonObject()
        .put("alertId", a.getAlertId())
        .put("ruleId", a.getRuleId())
        .put("service", a.getService())
        .put("environment", a.getEnvironment())
        .put("metric", a.getMetric())
        .put("labels", new JsonObject(new LinkedHashMap<>(a.getLabels())))
        .put("severity", a.getSeverity())
        .put("state", a.getState().name())
        .put("since", a.getSince().toString())
        .put("activeSince", a.getActiveSince() == null ? null : a.getActiveSince().toString())
        .put("value", a.getValue())
        .put("stat", a.getStat())
        .put("op", Alerts.symbol(a.getOp()))
        .put("threshold", a.getThreshold())
        .put("deploymentId", a.getDeploymentId())
        .put("evaluatedAt", a.getEvaluatedAt().toString());
  }

  // --- logs ---

  private void logCounts(RoutingContext ctx) {
    List<FieldError> errors = new ArrayList<>();
    String service = ctx.queryParams().get("service");
    String environment = ctx.queryParams().get("environment");
    Range range = range(ctx, Duration.ofMinutes(1), errors);
    if (range != null && (range.step().toMillis() % 60_000 != 0 || range.step().isZero())) {
      errors.add(new FieldError("step", "must be a multiple of 1m"));
    }
    if (!Commands.valid(ctx, "the query", errors)) {
      return;
    }
    context.responses().query(ctx, () -> context.queries().get().logCounts(service, range.from(), range.to(),
        range.step(), environment), points -> {
          JsonArray list = new JsonArray();
          points.forEach(p -> list.add(new JsonObject().put("time", p.time().toString())
              .put("counts", new JsonObject(new LinkedHashMap<>(p.counts()))).put("total", p.total())
              .put("errors", p.errors()).put("errorRate", p.total() == 0 ? null : (double) p.errors() / p.total())));
          return new JsonObject().put("service", service).put("step", ctx.queryParams().get("step") == null ? "1m"
              : ctx.queryParams().get("step")).put("points", list);
        });
  }

  private void recentErrors(RoutingContext ctx) {
    String service = ctx.queryParams().get("service");
    context.responses().query(ctx, () -> context.queries().get().recentErrors(service), errors -> {
      JsonArray list = new JsonArray();
      errors.forEach(e -> list.add(new JsonObject().put("time", e.getTime().toString()).put("level", e.getLevel().name())
          .put("message", e.getMessage()).put("instance", e.getInstance()).put("traceId", e.getTraceId())
          .put("environment", e.getEnvironment())));
      return new JsonObject().put("service", service).put("errors", list);
    });
  }

  // --- parameters ---

  record Range(Instant from, Instant to, Duration step) {}

  /** from / to / step of a query: defaults the last hour and {@code defaultStep}; null with errors when wrong. */
  private Range range(RoutingContext ctx, Duration defaultStep, List<FieldError> errors) {
    Instant to = context.clock().instant();
    if (ctx.queryParams().get("to") != null) {
      to = instant(ctx.queryParams().get("to"));
      if (to == null) {
        errors.add(new FieldError("to", "must be an ISO-8601 date-time with an offset or epoch ms"));
      }
    }
    Instant from = to == null ? null : to.minus(Duration.ofHours(1));
    if (ctx.queryParams().get("from") != null) {
      from = instant(ctx.queryParams().get("from"));
      if (from == null) {
        errors.add(new FieldError("from", "must be an ISO-8601 date-time with an offset or epoch ms"));
      }
    }
    Duration step = defaultStep;
    if (ctx.queryParams().get("step") != null) {
      try {
        step = DurationValidator.parse(ctx.queryParams().get("step"));
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("step", "must be a duration such as 10s, 1m or 1h"));
        step = null;
      }
    }
    if (from == null || to == null || step == null) {
      return null;
    }
    if (!from.isBefore(to)) {
      errors.add(new FieldError("from", "must be before to"));
      return null;
    }
    if (step.isZero() || step.isNegative()) {
      errors.add(new FieldError("step", "must be positive"));
      return null;
    }
    if (Duration.between(from, to).toMillis() / step.toMillis() > MAX_STEPS) {
      errors.add(new FieldError("step", "gives more than " + MAX_STEPS + " points per series; use a coarser step"));
      return null;
    }
    return new Range(from, to, step);
  }

  /** ISO-8601 with an offset, or epoch milliseconds; null when neither. */
  static Instant instant(Object value) {
    if (value instanceof Number n) {
      return Instant.ofEpochMilli(n.longValue());
    }
    String s = String.valueOf(value).trim();
    if (s.matches("\\d{1,15}")) {
      return Instant.ofEpochMilli(Long.parseLong(s));
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Map<String, String> labels(String param, List<FieldError> errors) {
    Map<String, String> labels = new TreeMap<>();
    if (param == null || param.isBlank()) {
      return labels;
    }
    for (String pair : param.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        errors.add(new FieldError("labels", "must be k=v pairs separated by commas, got " + pair));
        return labels;
      }
      labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return labels;
  }

  private static Map<String, String> stringMap(JsonObject json) {
    Map<String, String> out = new TreeMap<>();
    json.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }
}
