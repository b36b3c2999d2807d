package io.poseidon.gateway.http;

import io.poseidon.processors.tide.TideConfig;
import io.poseidon.processors.tide.TideQueries;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.processors.tide.TideValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.tide.Condition;
import io.poseidon.schemas.tide.ConditionOp;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.schemas.tide.RuleEvent;
import io.poseidon.schemas.tide.RuleMatch;
import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.state.HostInfo;

/**
 * tide over HTTP (operations of openapi/tide.yaml): ingest raw records, manage routing rules, read the
 * counters. An ingested batch is validated item by item against the contract's {@code IngestEnvelope}
 * (the schema of one NDJSON line; {@link EnvelopeCheck}) and tide's own rules; the valid items are produced,
 * in one hand-off to the producer, the others are answered as {@code rejected} and never produced.
 */
public final class TideRoutes implements ServiceRoutes {

  static final String INGEST = "ingest";
  /** How long a rule change waits to be in this node's rule book before it answers ({@code applied}). */
  static final Duration APPLY_WAIT = Duration.ofSeconds(5);

  private final RouteContext<TideQueries> context;
  private final TideConfig config;

  public TideRoutes(RouteContext<TideQueries> context) {
    this.context = context;
    this.config = new TideConfig(context.config());
  }

  @Override
  public void bind(Operations operations) {
    operations.on(INGEST, this::ingest);
    operations.on("listRoutingRules", this::listRules);
    operations.on("getRoutingRule", this::getRule);
    operations.on("putRoutingRule", this::putRule);
    operations.on("deleteRoutingRule", this::deleteRule);
    operations.on("tideStats", this::stats);
  }

  // --- ingest ---

  /** The items of a batch, as NDJSON lines are: index, JSON value (or why a line is not JSON). */
  private static List<Bodies.Line> items(RoutingContext ctx) {
    Object body = Bodies.parsed(ctx);
    if (body instanceof Bodies.NdJson ndjson) {
      return ndjson.lines();
    }
    List<Bodies.Line> items = new ArrayList<>();
    if (body instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        items.add(new Bodies.Line(i, array.getValue(i), null));
      }
    } else if (body != null) {
      items.add(new Bodies.Line(0, body, null));
    }
    return items;
  }

  private void ingest(RoutingContext ctx) {
    List<Bodies.Line> items = items(ctx);
    if (items.isEmpty()) {
      Commands.valid(ctx, "the batch", List.of(new FieldError("body", "has no records")));
      return;
    }
    if (items.size() > config.maxBatch()) {
      Commands.valid(ctx, "the batch", List.of(new FieldError("body", "has " + items.size() + " records; at most "
          + config.maxBatch() + " (" + TideConfig.MAX_BATCH + ") in one request")));
      return;
    }
    JsonArray rejected = new JsonArray();
    List<FieldError> rejections = new ArrayList<>();
    List<RawEnvelope> valid = new ArrayList<>();
    for (Bodies.Line item : items) {
      List<FieldError> errors = new ArrayList<>();
      RawEnvelope raw = envelope(item, errors);
      if (raw == null) {
        for (FieldError e : errors) {
          rejected.add(new JsonObject().put("index", item.index()).put("field", e.field()).put("message", e.message()));
          rejections.add(new FieldError("[" + item.index() + "]." + e.field(), e.message()));
        }
      } else {
        valid.add(raw);
      }
    }
    if (valid.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "no record of the batch is valid; nothing was produced", rejections);
      return;
    }
    String actor = Commands.actor(ctx);
    String traceparent = Commands.traceparent(ctx);
    List<Map.Entry<String, SpecificRecord>> records = new ArrayList<>(valid.size());
    for (RawEnvelope raw : valid) {
      EventMeta meta = EventMetas.first("tide.RawEnvelope", "gateway", actor, traceparent, context.clock());
      records.add(Map.entry(TideTopics.ingestKey(raw), new IngestEvent(meta, raw)));
    }
    context.responses().acceptedAll(ctx, "records", context.publisher().publishAll(TideTopics.INGEST, records),
        new JsonObject().put("accepted", valid.size()).put("rejected", rejected));
  }

  /** The raw record of an item, or null with its errors (contract first, then tide's rules). */
  private RawEnvelope envelope(Bodies.Line item, List<FieldError> errors) {
    if (item.problem() != null) {
      errors.add(new FieldError("line", item.problem()));
      return null;
    }
    errors.addAll(EnvelopeCheck.check(item.value())); // = the contract's IngestEnvelope, without its cost
    if (!errors.isEmpty()) {
      return null;
    }
    JsonObject json = (JsonObject) item.value();
    Instant time = null;
    if (json.getString("time") != null) {
      try {
        time = OffsetDateTime.parse(json.getString("time")).toInstant();
      } catch (DateTimeParseException e) {
        errors.add(new FieldError("time", "must be an ISO-8601 date-time with an offset, e.g. 2026-12-01T10:00:00Z"));
        return null;
      }
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    JsonObject given = json.getJsonObject("attributes", new JsonObject());
    given.forEach(e -> attributes.put(e.getKey(), String.valueOf(e.getValue())));
    String payload = json.getJsonObject("payload", new JsonObject()).encode();
    if (payload.length() > config.maxPayloadBytes() / 3
        && payload.getBytes(StandardCharsets.UTF_8).length > config.maxPayloadBytes()) {
      errors.add(new FieldError("payload", "is larger than " + config.maxPayloadBytes() + " bytes ("
          + TideConfig.MAX_PAYLOAD_BYTES + ")"));
      return null;
    }
    RawEnvelope raw = RawEnvelope.newBuilder()
        .setSource(json.getString("source"))
        .setKind(IngestKind.valueOf(json.getString("kind").toUpperCase(Locale.ROOT)))
        .setId(json.getString("id"))
        .setTime(time)
        .setAttributes(attributes)
        .setPayload(payload)
        .build();
    errors.addAll(Commands.errors(TideValidation.check(raw, Integer.MAX_VALUE)));
    return errors.isEmpty() ? raw : null;
  }

  // --- routing rules ---

  private void listRules(RoutingContext ctx) {
    context.responses().query(ctx, () -> context.queries().get().rules(), rules -> {
      JsonArray list = new JsonArray();
      rules.forEach(r -> list.add(ruleJson(r)));
      return new JsonObject().put("rules", list);
    });
  }

  private void getRule(RoutingContext ctx) {
    String ruleId = ctx.pathParam("ruleId");
    context.responses().lookup(ctx, () -> context.queries().get().rule(ruleId), "rule_not_found",
        "no routing rule " + ruleId, TideRoutes::ruleJson);
  }

  private void putRule(RoutingContext ctx) {
    String ruleId = ctx.pathParam("ruleId");
    List<FieldError> errors = new ArrayList<>();
    RoutingRule rule = rule(ruleId, Commands.body(ctx), errors);
    if (rule != null) {
      errors.addAll(Commands.errors(TideValidation.check(rule)));
    }
    if (!Commands.valid(ctx, "the routing rule", errors)) {
      return;
    }
    EventMeta meta = EventMetas.first("tide.RoutingRule", "gateway", Commands.actor(ctx), Commands.traceparent(ctx),
        context.clock());
    context.responses().acceptedOnceApplied(ctx, meta,
        context.publisher().publish(TideTopics.ROUTING_RULES, ruleId, new RuleEvent(meta, rule)),
        () -> isStored(ruleId, meta.getEventId()), APPLY_WAIT, ack -> ack.put("ruleId", ruleId));
  }

  private void deleteRule(RoutingContext ctx) {
    String ruleId = ctx.pathParam("ruleId");
    context.responses().onOwner(ctx, () -> context.queries().get().rule(ruleId), known -> {
      if (known.isEmpty()) {
        ApiError.send(ctx, 404, "rule_not_found", "no routing rule " + ruleId);
        return;
      }
      EventMeta meta = EventMetas.first("tide.RoutingRuleDeleted", "gateway", Commands.actor(ctx),
          Commands.traceparent(ctx), context.clock());
      context.responses().acceptedOnceApplied(ctx, meta, context.publisher().publish(TideTopics.ROUTING_RULES, ruleId,
          null), () -> isGone(ruleId), APPLY_WAIT, ack -> ack.put("ruleId", ruleId));
    });
  }

  private boolean isStored(String ruleId, String eventId) {
    QueryResult<Optional<TideQueries.StoredRule>> now = context.queries().get().rule(ruleId);
    return now instanceof QueryResult.Local<Optional<TideQueries.StoredRule>> local && local.value()
        .map(r -> r.event().getMeta().getEventId().equals(eventId)).orElse(false);
  }

  private boolean isGone(String ruleId) {
    QueryResult<Optional<TideQueries.StoredRule>> now = context.queries().get().rule(ruleId);
    return now instanceof QueryResult.Local<Optional<TideQueries.StoredRule>> local && local.value().isEmpty();
  }

  /** The API form of a rule (checked against the contract's RoutingRule already) as the Avro record. */
  static RoutingRule rule(String ruleId, JsonObject json, List<FieldError> errors) {
    JsonObject match = json.getJsonObject("match", new JsonObject());
    RuleMatch.Builder m = RuleMatch.newBuilder();
    if (match.getString("kind") != null) {
      m.setKind(IngestKind.valueOf(match.getString("kind").toUpperCase(Locale.ROOT)));
    }
    if (match.containsKey("source")) {
      m.setSource(condition("match.source", match.getValue("source"), errors));
    }
    m.setAttributes(conditions("match.attributes", match.getJsonObject("attributes", new JsonObject()), errors));
    m.setPayload(conditions("match.payload", match.getJsonObject("payload", new JsonObject()), errors));
    Map<String, String> set = new LinkedHashMap<>();
    json.getJsonObject("set", new JsonObject()).forEach(e -> set.put(e.getKey(), String.valueOf(e.getValue())));
    if (!errors.isEmpty()) {
      return null;
    }
    return RoutingRule.newBuilder()
        .setRuleId(ruleId)
        .setPriority(json.getInteger("priority", 0))
        .setMatch(m.build())
        .setDestination(json.getString("destination"))
        .setContinueMatching(json.getBoolean("continue", false))
        .setSet(set)
        .build();
  }

  private static Map<String, Condition> conditions(String field, JsonObject json, List<FieldError> errors) {
    Map<String, Condition> out = new LinkedHashMap<>();
    json.forEach(e -> out.put(e.getKey(), condition(field + "." + e.getKey(), e.getValue(), errors)));
    return out;
  }

  /** {@code "ERROR"} is equals; {@code {"prefix": "pay"}}, {@code {"regex": ".*-prod"}}, {@code {"exists": true}}. */
  private static Condition condition(String field, Object value, List<FieldError> errors) {
    if (value instanceof String s) {
      return new Condition(ConditionOp.EQUALS, s);
    }
    if (value instanceof JsonObject obj && obj.size() == 1) {
      String op = obj.fieldNames().iterator().next();
      Object operand = obj.getValue(op);
      switch (op) {
        case "equals", "prefix", "regex" -> {
          if (operand instanceof String s) {
            return new Condition(ConditionOp.valueOf(op.toUpperCase(Locale.ROOT)), s);
          }
        }
        case "exists" -> {
          if (operand instanceof Boolean b) {
            return new Condition(ConditionOp.EXISTS, b.toString());
          }
        }
        default -> { }
      }
    }
    errors.add(new FieldError(field, "must be a string (equals) or one of {\"equals\": s}, {\"prefix\": s}, "
        + "{\"regex\": s}, {\"exists\": true|false}"));
    return null;
  }

  static JsonObject ruleJson(TideQueries.StoredRule stored) {
    RoutingRule rule = stored.rule();
    RuleMatch match = rule.getMatch();
    JsonObject m = new JsonObject();
    if (match.getKind() != null) {
      m.put("kind", match.getKind().name().toLowerCase(Locale.ROOT));
    }
    if (match.getSource() != null) {
      m.put("source", conditionJson(match.getSource()));
    }
    JsonObject attributes = new JsonObject();
    match.getAttributes().forEach((k, c) -> attributes.put(k, conditionJson(c)));
    JsonObject payload = new JsonObject();
    match.getPayload().forEach((k, c) -> payload.put(k, conditionJson(c)));
    m.put("attributes", attributes).put("payload", payload);
    return new JsonObject()
        .put("ruleId", rule.getRuleId())
        .put("priority", rule.getPriority())
        .put("match", m)
        .put("destination", rule.getDestination())
        .put("continue", rule.getContinueMatching())
        .put("set", new JsonObject(new LinkedHashMap<>(rule.getSet())))
        .put("updatedAt", stored.event().getMeta().getTime().toString())
        .put("updatedBy", stored.event().getMeta().getActor())
        .put("eventId", stored.event().getMeta().getEventId());
  }

  private static Object conditionJson(Condition c) {
    return switch (c.getOp()) {
      case EQUALS -> c.getValue();
      case EXISTS -> new JsonObject().put("exists", Boolean.parseBoolean(c.getValue()));
      default -> new JsonObject().put(c.getOp().name().toLowerCase(Locale.ROOT), c.getValue());
    };
  }

  // --- counters ---

  private void stats(RoutingContext ctx) {
    String windowParam = ctx.queryParams().get("window");
    Duration window = null;
    if (windowParam != null) {
      try {
        window = DurationValidator.parse(windowParam);
      } catch (IllegalArgumentException e) {
        Commands.valid(ctx, "the query", List.of(new FieldError("window", "must be a duration such as 5m, 1h or 7d")));
        return;
      }
    }
    Duration since = window;
    String label = windowParam == null ? "since start (at most " + config.getString(TideConfig.STATS_RETENTION) + ")"
        : windowParam;
    List<HostInfo> others = Responses.otherNodes(ctx, () -> context.queries().get().statsHosts(),
        () -> context.queries().get().self());
    if (others == null) {
      return;
    }
    String uri = "/api/v1/tide/stats?scope=local" + (windowParam == null ? "" : "&window=" + windowParam);
    context.responses().gather(ctx, () -> context.queries().get().localStats(since), TideRoutes::statsJson, others, uri,
        parts -> {
          Map<String, Long> total = new LinkedHashMap<>();
          parts.forEach(p -> counters(p).forEach((k, v) -> total.merge(k, v, Long::sum)));
          return statsJson(TideQueries.Stats.of(total)).put("window", label);
        });
  }

  static JsonObject statsJson(TideQueries.Stats stats) {
    return new JsonObject()
        .put("byDestination", new JsonObject(new LinkedHashMap<>(stats.byDestination())))
        .put("byRule", new JsonObject(new LinkedHashMap<>(stats.byRule())))
        .put("duplicates", stats.duplicates())
        .put("deadLettered", stats.deadLettered());
  }

  private static Map<String, Long> counters(JsonObject part) {
    Map<String, Long> byDestination = new LinkedHashMap<>();
    part.getJsonObject("byDestination", new JsonObject()).forEach(e -> byDestination.put(e.getKey(),
        ((Number) e.getValue()).longValue()));
    Map<String, Long> byRule = new LinkedHashMap<>();
    part.getJsonObject("byRule", new JsonObject()).forEach(e -> byRule.put(e.getKey(), ((Number) e.getValue()).longValue()));
    return new TideQueries.Stats(byDestination, byRule, part.getLong("duplicates", 0L),
        part.getLong("deadLettered", 0L)).counters();
  }
}
