package io.poseidon.gateway.http;

import io.poseidon.processors.anchor.AnchorConfig;
import io.poseidon.processors.anchor.AnchorModule;
import io.poseidon.processors.anchor.AnchorQueries;
import io.poseidon.processors.anchor.AnchorTopics;
import io.poseidon.processors.anchor.AnchorValidation;
import io.poseidon.processors.anchor.Envelopes;
import io.poseidon.processors.anchor.MasterKeys;
import io.poseidon.schemas.anchor.AnchorCommand;
import io.poseidon.schemas.anchor.AuditAction;
import io.poseidon.schemas.anchor.AuditEntry;
import io.poseidon.schemas.anchor.AuditEvent;
import io.poseidon.schemas.anchor.CommandOutcome;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.anchor.MasterKeyEvent;
import io.poseidon.schemas.anchor.MasterKeyRotation;
import io.poseidon.schemas.anchor.Origin;
import io.poseidon.schemas.anchor.PutConfig;
import io.poseidon.schemas.anchor.PutSecret;
import io.poseidon.schemas.anchor.RollbackConfig;
import io.poseidon.schemas.anchor.SecretVersion;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.validation.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * anchor over HTTP (operations of openapi/anchor.yaml): versioned configuration with compare-and-set,
 * envelope-encrypted secrets, master key rotation, the audit trail. A write runs on the node that owns its
 * {@code <service>/<env>} (forwarded otherwise): it checks If-Match against the local store, produces the
 * command and answers once the topology decided it (its version, or 412). A secret is encrypted here, before
 * anything is produced; its plaintext is in no event, store, log line or error body. A reveal decrypts on the
 * owner and answers only once its audit entry is written.
 */
public final class AnchorRoutes implements ServiceRoutes {

  private static final Pattern IF_MATCH = Pattern.compile("(?:W/)?\"?([0-9]{1,10})\"?");
  /** The audit trail's service for what belongs to no service (a master key rotation). */
  public static final String ANCHOR_SERVICE = AnchorModule.NAME;

  private final RouteContext<AnchorQueries> context;
  private final AnchorConfig config;
  private final String nodeId;
  private final Supplier<MasterKeys> keys;

  public AnchorRoutes(RouteContext<AnchorQueries> context) {
    this.context = context;
    this.config = new AnchorConfig(context.config());
    PoseidonConfig node = new PoseidonConfig(context.config());
    this.nodeId = node.nodeId();
    this.keys = MasterKeys.lazily(config);
    if (node.services().contains(AnchorModule.NAME)) {
      keys.get(); // a node that runs anchor refuses to start without its master keys (ConfigException naming the key)
    }
  }

  @Override
  public void bind(Operations operations) {
    operations.on("getConfig", this::getConfig);
    operations.on("putConfig", this::putConfig);
    operations.on("getConfigVersion", this::getConfigVersion);
    operations.on("getConfigHistory", this::getHistory);
    operations.on("getConfigDiff", this::getDiff);
    operations.on("rollbackConfig", this::rollback);
    operations.on("listSecrets", this::listSecrets);
    operations.on("getSecret", this::getSecret);
    operations.on("putSecret", this::putSecret);
    operations.on("revealSecret", this::reveal);
    operations.on("rotateMasterKey", this::rotate);
    operations.on("rotationStatus", this::rotationStatus);
    operations.on("getAudit", this::audit);
  }

  private AnchorQueries queries() {
    return context.queries().get();
  }

  // --- configuration ---

  private void getConfig(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    context.responses().lookup(ctx, () -> queries().config(service, env), "config_not_found",
        "no configuration for " + service + " in " + env, AnchorRoutes::configJson);
  }

  private void getConfigVersion(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    int version = Integer.parseInt(ctx.pathParam("version"));
    context.responses().lookup(ctx, () -> queries().version(service, env, version), "version_not_found",
        "no version " + version + " of the configuration of " + service + " in " + env, AnchorRoutes::configJson);
  }

  private void getHistory(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    // every version (anchor keeps at most anchor's MAX_VERSIONS of a configuration), paged by Paging
    context.responses().query(ctx, () -> queries().history(service, env, Integer.MAX_VALUE), versions -> {
      JsonArray list = new JsonArray();
      versions.forEach(v -> list.add(configJson(v)));
      return new JsonObject().put("service", service).put("env", env).put("versions", list);
    });
  }

  private void getDiff(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    int from = intParam(ctx, "from", 0);
    int to = intParam(ctx, "to", 0);
    context.responses().onOwner(ctx, () -> queries().versions(service, env, from, to), pair -> {
      if (pair.from().isEmpty() || pair.to().isEmpty()) {
        ApiError.send(ctx, 404, "version_not_found", "no version " + (pair.from().isEmpty() ? from : to)
            + " of the configuration of " + service + " in " + env);
        return;
      }
      Map<String, Map<String, Object>> diff = AnchorQueries.diff(pair.from().get().getValues(), pair.to().get().getValues());
      JsonObject changed = new JsonObject();
      diff.get("changed").forEach((k, v) -> changed.put(k, new JsonObject().put("from", ((List<?>) v).get(0))
          .put("to", ((List<?>) v).get(1))));
      Responses.json(ctx, 200, new JsonObject().put("service", service).put("env", env).put("from", from).put("to", to)
          .put("added", new JsonObject(diff.get("added"))).put("removed", new JsonObject(diff.get("removed")))
          .put("changed", changed).put("servedBy", nodeId));
    });
  }

  private void putConfig(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    JsonObject body = Commands.body(ctx);
    Map<String, String> values = new LinkedHashMap<>();
    body.getJsonObject("values", new JsonObject()).forEach(e -> values.put(e.getKey(), String.valueOf(e.getValue())));
    String comment = body.getString("comment");
    List<FieldError> errors = new ArrayList<>(Commands.errors(AnchorValidation.checkCoordinates(service, env)));
    errors.addAll(Commands.errors(AnchorValidation.checkValues(values, config.configMaxKeys(),
        config.configMaxValueChars())));
    Map<String, String> problems = new LinkedHashMap<>();
    AnchorValidation.checkComment(comment, problems);
    errors.addAll(Commands.errors(problems));
    Integer expected = ifMatch(ctx, errors);
    if (!Commands.valid(ctx, "the configuration", errors)) {
      return;
    }
    context.responses().onOwner(ctx, () -> queries().config(service, env), current -> {
      int currentVersion = current.map(ConfigVersion::getVersion).orElse(0);
      if (expected != null && expected != currentVersion) {
        refused(ctx, AuditAction.CONFIG_PUT, service, env, expected, currentVersion);
        return;
      }
      String commandId = EventMetas.newId();
      EventMeta meta = meta(ctx, "anchor.PutConfig");
      decided(ctx, service, env, commandId, meta,
          new PutConfig(commandId, service, env, values, comment, expected, origin(ctx)), expected, ack -> ack);
    });
  }

  private void rollback(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    JsonObject body = Commands.body(ctx);
    int to = body.getInteger("version");
    String comment = body.getString("comment");
    List<FieldError> errors = new ArrayList<>(Commands.errors(AnchorValidation.checkCoordinates(service, env)));
    Map<String, String> problems = new LinkedHashMap<>();
    AnchorValidation.checkComment(comment, problems);
    errors.addAll(Commands.errors(problems));
    Integer expected = ifMatch(ctx, errors);
    if (!Commands.valid(ctx, "the rollback", errors)) {
      return;
    }
    context.responses().onOwner(ctx, () -> queries().currentAnd(service, env, to), pair -> {
      if (pair.to().isEmpty()) {
        publishAudit(ctx, AuditAction.CONFIG_ROLLBACK, "rejected", service, env, null, to, "no version " + to)
            .onComplete(audited -> ApiError.send(ctx, 404, "version_not_found", "no version " + to
                + " of the configuration of " + service + " in " + env + " to roll back to"));
        return;
      }
      int currentVersion = pair.from().map(ConfigVersion::getVersion).orElse(0);
      if (expected != null && expected != currentVersion) {
        refused(ctx, AuditAction.CONFIG_ROLLBACK, service, env, expected, currentVersion);
        return;
      }
      String commandId = EventMetas.newId();
      decided(ctx, service, env, commandId, meta(ctx, "anchor.RollbackConfig"),
          new RollbackConfig(commandId, service, env, to, comment, expected, origin(ctx)), expected,
          ack -> ack.put("rollbackOf", to));
    });
  }

  /** A write If-Match refused here: audited (the topology never sees it), then 412. */
  private void refused(RoutingContext ctx, AuditAction action, String service, String env, int expected, int current) {
    publishAudit(ctx, action, "conflict", service, env, null, null, "expected version " + expected + ", current "
        + current).onComplete(audited -> conflict(ctx, expected, current));
  }

  /** 412: If-Match named another version; the current one is in the answer. */
  private static void conflict(RoutingContext ctx, Integer expected, int currentVersion) {
    Responses.json(ctx, 412, ApiError.body(412, "version_conflict", "the configuration is at version " + currentVersion
        + ", not " + expected + "; nothing changed", List.of(new FieldError("If-Match", "is not the current version ("
        + currentVersion + ")")), RequestIds.of(ctx)).put("currentVersion", currentVersion));
  }

  /**
   * Produces a command, waits (at most anchor.apply.timeout) for the topology's outcome in this node's store,
   * then answers 202 with the version, or 412 for a compare-and-set the topology refused, or 404 for a rollback
   * to a version that is gone; 413/503 when Kafka did not take the command.
   */
  private void decided(RoutingContext ctx, String service, String env, String commandId, EventMeta meta,
      SpecificRecord command, Integer expected, java.util.function.UnaryOperator<JsonObject> extra) {
    Future<RecordMetadata> sent = context.publisher().publish(AnchorTopics.COMMANDS, AnchorTopics.key(service, env),
        new AnchorCommand(meta, command));
    sent.onFailure(err -> context.responses().accepted(ctx, meta, sent)).onSuccess(md -> {
      AtomicReference<CommandOutcome> outcome = new AtomicReference<>();
      context.responses().until(() -> {
        QueryResult<Optional<CommandOutcome>> now = queries().outcome(service, env, commandId);
        if (now instanceof QueryResult.Local<Optional<CommandOutcome>> local && local.value().isPresent()) {
          outcome.set(local.value().get());
          return true;
        }
        return false;
      }, config.applyTimeout()).onComplete(done -> {
        CommandOutcome o = outcome.get();
        if (o != null && !o.getApplied() && "conflict".equals(o.getReason())) {
          conflict(ctx, expected, o.getCurrentVersion());
        } else if (o != null && !o.getApplied()) {
          ApiError.send(ctx, 404, "version_not_found", o.getReason() + " of the configuration of " + service + " in " + env);
        } else {
          Responses.json(ctx, 202, extra.apply(ack(meta, md).put("service", service).put("env", env)
              .put("commandId", commandId).put("applied", o != null).put("version", o == null ? null : o.getVersion())));
        }
      });
    });
  }

  // --- secrets ---

  private void listSecrets(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    context.responses().query(ctx, () -> queries().secrets(service, env), secrets -> {
      JsonArray list = new JsonArray();
      secrets.forEach(s -> list.add(secretJson(s)));
      return new JsonObject().put("service", service).put("env", env).put("secrets", list);
    });
  }

  private void getSecret(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    String name = ctx.pathParam("name");
    context.responses().lookup(ctx, () -> queries().secret(service, env, name, null), "secret_not_found",
        "no secret " + name + " for " + service + " in " + env, AnchorRoutes::secretJson);
  }

  private void putSecret(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    String name = ctx.pathParam("name");
    Object given = Commands.body(ctx).getValue("value");
    String value = given instanceof String s ? s : null;
    List<FieldError> errors = new ArrayList<>(Commands.errors(AnchorValidation.checkCoordinates(service, env)));
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkId("name", name, problems);
    problems.putAll(AnchorValidation.checkSecretValue(value, config.secretMaxBytes()));
    errors.addAll(Commands.errors(problems));
    if (!Commands.valid(ctx, "the secret", errors)) {
      return;
    }
    // on the owner: the answer carries the version its store made
    context.responses().onOwner(ctx, () -> onOwnerOf(queries().secret(service, env, name, null),
        () -> queries().activeKeyId()), activeKeyId -> {
      MasterKeys master = masterKeys(ctx);
      if (master == null) {
        return;
      }
      if (!master.has(activeKeyId)) {
        Responses.unavailable(ctx, "master_key_missing", "the active master key " + activeKeyId + " is not in this "
            + "node's " + AnchorConfig.MASTER_KEYS_FILE + "; nothing was written");
        return;
      }
      Envelopes.Sealed sealed = Envelopes.seal(master, activeKeyId, Envelopes.coordinates(service, env, name),
          value.getBytes(StandardCharsets.UTF_8));
      String commandId = EventMetas.newId();
      decided(ctx, service, env, commandId, meta(ctx, "anchor.PutSecret"), new PutSecret(commandId, service, env, name,
          activeKeyId, ByteBuffer.wrap(sealed.wrappedKey()), ByteBuffer.wrap(sealed.ciphertext()), origin(ctx)), null,
          ack -> ack.put("name", name).put("keyId", activeKeyId));
    });
  }

  private void reveal(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String env = ctx.pathParam("env");
    String name = ctx.pathParam("name");
    Integer version = ctx.queryParams().get("version") == null ? null : intParam(ctx, "version", 0);
    context.responses().onOwner(ctx, () -> queries().secret(service, env, name, version), found -> {
      if (found.isEmpty()) {
        publishAudit(ctx, AuditAction.SECRET_REVEAL, "not_found", service, env, name, version, null);
        ApiError.send(ctx, 404, "secret_not_found", "no secret " + name + (version == null ? "" : " version " + version)
            + " for " + service + " in " + env);
        return;
      }
      MasterKeys master = masterKeys(ctx);
      if (master == null) {
        return;
      }
      SecretVersion s = found.get();
      context.responses().offLoop(() -> Envelopes.open(master, s.getKeyId(), bytes(s.getWrappedKey()),
          bytes(s.getCiphertext()), Envelopes.coordinates(service, env, name))).onComplete(opened -> {
            if (opened.failed()) {
              publishAudit(ctx, AuditAction.SECRET_REVEAL, "rejected", service, env, name, s.getVersion(),
                  "cannot decrypt with master key " + s.getKeyId());
              if (opened.cause() instanceof Envelopes.CryptoException e) {
                ApiError.send(ctx, 500, "cannot_decrypt", e.getMessage());
              } else {
                Responses.fail(ctx, opened.cause());
              }
              return;
            }
            byte[] plain = opened.result();
            // the audit entry first: a reveal that is not audited is not answered
            publishAudit(ctx, AuditAction.SECRET_REVEAL, "revealed", service, env, name, s.getVersion(), null)
                .onSuccess(md -> Responses.json(ctx, 200, new JsonObject().put("name", name).put("version", s.getVersion())
                    .put("value", new String(plain, StandardCharsets.UTF_8)).put("servedBy", nodeId)))
                .onFailure(err -> Responses.unavailable(ctx, "kafka_unavailable", "the reveal could not be audited ("
                    + err.getClass().getSimpleName() + "); nothing was revealed"))
                .onComplete(done -> java.util.Arrays.fill(plain, (byte) 0));
          });
    });
  }

  // --- master key rotation ---

  private void rotate(RoutingContext ctx) {
    String keyId = Commands.body(ctx).getString("keyId");
    MasterKeys master = masterKeys(ctx);
    if (master == null) {
      return;
    }
    if (!master.has(keyId)) {
      Commands.valid(ctx, "the rotation", List.of(new FieldError("keyId", "is not a key id of this node's "
          + AnchorConfig.MASTER_KEYS_FILE + " (" + String.join(", ", master.keyIds()) + ")")));
      return;
    }
    context.responses().onOwner(ctx, () -> queries().activeKeyId(), previous -> {
      EventMeta meta = meta(ctx, "anchor.MasterKeyRotation");
      Future<RecordMetadata> sent = publishAudit(ctx, AuditAction.ROTATION_START, "started", ANCHOR_SERVICE, null, keyId,
          null, "from master key " + previous).compose(audited -> context.publisher().publish(AnchorTopics.MASTER_KEY,
          AnchorTopics.ACTIVE, new MasterKeyEvent(meta, new MasterKeyRotation(keyId, previous, origin(ctx)))));
      context.responses().acceptedOnceApplied(ctx, meta, sent, () -> keyId.equals(activeKeyIdHere()),
          config.applyTimeout(), ack -> ack.put("activeKeyId", keyId).put("previousKeyId", previous));
    });
  }

  private String activeKeyIdHere() {
    return queries().activeKeyId() instanceof QueryResult.Local<String> local ? local.value() : null;
  }

  private void rotationStatus(RoutingContext ctx) {
    List<HostInfo> others = Responses.otherNodes(ctx, () -> queries().secretHosts(), () -> queries().self());
    if (others == null) {
      return;
    }
    String active;
    java.util.Set<Integer> known = new java.util.TreeSet<>();
    try {
      active = activeKeyIdHere();
      // done needs every partition counted: the answering nodes' partitions must cover all the metadata knows
      queries().secretPartitions().values().forEach(known::addAll);
    } catch (RouteContext.NotReadyException e) {
      Responses.unavailable(ctx, "not_ready", e.getMessage());
      return;
    }
    if (active == null) {
      Responses.unavailable(ctx, "not_ready", "anchor's master key store is not queryable yet");
      return;
    }
    context.responses().gather(ctx, () -> queries().localKeyIds(), byKeyId -> new JsonObject()
        .put("byKeyId", new JsonObject(new LinkedHashMap<>(byKeyId)))
        .put("partitionIds", new JsonArray(new ArrayList<>(queries().secretPartitions()
            .getOrDefault(queries().self(), java.util.Set.of())))), others, "/api/v1/secrets/rotation?scope=local",
        parts -> {
          Map<String, Long> total = new java.util.TreeMap<>();
          java.util.Set<Integer> counted = new java.util.TreeSet<>();
          parts.forEach(p -> {
            p.getJsonObject("byKeyId", new JsonObject()).forEach(e -> total.merge(e.getKey(),
                ((Number) e.getValue()).longValue(), Long::sum));
            // this node's part and the other nodes' answers (their scope=local view) both name their partitions here
            p.getJsonArray("partitionIds", new JsonArray()).forEach(n -> counted.add(((Number) n).intValue()));
          });
          long all = total.values().stream().mapToLong(Long::longValue).sum();
          long remaining = all - total.getOrDefault(active, 0L);
          boolean complete = parts.size() == others.size() + 1 && !known.isEmpty() && counted.containsAll(known);
          return new JsonObject().put("activeKeyId", active).put("remaining", remaining)
              .put("byKeyId", new JsonObject(new LinkedHashMap<>(total)))
              .put("partitions", new JsonObject().put("counted", counted.size()).put("known", known.size()))
              .put("partitionIds", new JsonArray(new ArrayList<>(counted)))
              .put("done", remaining == 0 && complete);
        });
  }

  // --- audit ---

  private void audit(RoutingContext ctx) {
    String service = ctx.queryParams().get("service");
    List<FieldError> errors = new ArrayList<>();
    Instant from = instantParam(ctx, "from", Instant.EPOCH, errors);
    Instant to = instantParam(ctx, "to", context.clock().instant(), errors);
    if (!Ids.isName(service)) {
      errors.add(new FieldError("service", Ids.SERVICE_RULE));
    }
    if (!Commands.valid(ctx, "the query", errors)) {
      return;
    }
    // the page's read starts at its cursor's time (entries at that very time up to the cursor's are dropped
    // by Paging, hence the margin): one range scan of the page, not of the whole audit
    List<Object> after = Paging.after(ctx);
    Instant start = after == null || !(after.get(0) instanceof String t) ? from : max(from, instant(t, from));
    int limit = Paging.limit(ctx) + 1 + 100;
    context.responses().query(ctx, () -> queries().audit(service, start, to, limit), entries -> {
      JsonArray list = new JsonArray();
      entries.forEach(e -> list.add(auditJson(e)));
      return new JsonObject().put("service", service).put("from", from.toString()).put("to", to.toString())
          .put("entries", list);
    });
  }

  private static Instant instant(String text, Instant otherwise) {
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return otherwise;
    }
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /** Writes an audit entry of this request to anchor.audit (keyed by service). */
  private Future<RecordMetadata> publishAudit(RoutingContext ctx, AuditAction action, String outcome, String service,
      String env, String name, Integer version, String detail) {
    AuditEntry entry = AuditEntry.newBuilder().setAction(action).setOutcome(outcome).setActor(Commands.actor(ctx))
        .setService(service).setEnv(env).setName(name).setVersion(version).setRequestId(RequestIds.of(ctx))
        .setNode(nodeId).setDetail(detail).build();
    return context.publisher().publish(AnchorTopics.AUDIT, service, new AuditEvent(meta(ctx, "anchor.AuditEntry"), entry));
  }

  // --- helpers ---

  /** The master keys, or null after answering 503 (only a node that does not run anchor lacks them). */
  private MasterKeys masterKeys(RoutingContext ctx) {
    try {
      return keys.get();
    } catch (ConfigException e) {
      Responses.unavailable(ctx, "master_keys_missing", "this node has no master keys: " + e.getMessage());
      return null;
    }
  }

  /** {@code then}'s answer when {@code owner} says this node owns the key; else where the owner is. */
  @SuppressWarnings("unchecked")
  private static <A, B> QueryResult<B> onOwnerOf(QueryResult<A> owner, Supplier<QueryResult<B>> then) {
    return owner instanceof QueryResult.Local<A> ? then.get() : (QueryResult<B>) owner;
  }

  private EventMeta meta(RoutingContext ctx, String type) {
    return EventMetas.first(type, "gateway", Commands.actor(ctx), Commands.traceparent(ctx), context.clock());
  }

  private Origin origin(RoutingContext ctx) {
    return new Origin(RequestIds.of(ctx), nodeId);
  }

  private static JsonObject ack(EventMeta meta, RecordMetadata md) {
    return new JsonObject().put("eventId", meta.getEventId()).put("correlationId", meta.getCorrelationId())
        .put("type", meta.getType()).put("position", new JsonObject().put("topic", md.topic())
            .put("partition", md.partition()).put("offset", md.offset()));
  }

  /** The version If-Match names (3, "3" or W/"3"), null without one; a field error when it is not a version. */
  static Integer ifMatch(RoutingContext ctx, List<FieldError> errors) {
    String header = ctx.request().getHeader("If-Match");
    if (header == null) {
      return null;
    }
    Matcher m = IF_MATCH.matcher(header.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) > Integer.MAX_VALUE) {
      errors.add(new FieldError("If-Match", "must be a version: 0 (none yet) or more, e.g. 3 or \"3\""));
      return null;
    }
    return Integer.parseInt(m.group(1));
  }

  private static int intParam(RoutingContext ctx, String name, int otherwise) {
    String value = ctx.queryParams().get(name);
    return value == null ? otherwise : Integer.parseInt(value); // the contract checked it is an integer in range
  }

  private static Instant instantParam(RoutingContext ctx, String name, Instant otherwise, List<FieldError> errors) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return otherwise;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      errors.add(new FieldError(name, "must be an ISO-8601 date-time with an offset, e.g. 2026-12-01T10:00:00Z"));
      return otherwise;
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static JsonObject configJson(ConfigVersion v) {
    return new JsonObject()
        .put("service", v.getService())
        .put("env", v.getEnv())
        .put("version", v.getVersion())
        .put("values", new JsonObject(new LinkedHashMap<>(new java.util.TreeMap<>(v.getValues()))))
        .put("comment", v.getComment())
        .put("rollbackOf", v.getRollbackOf())
        .put("updatedBy", v.getUpdatedBy())
        .put("updatedAt", v.getUpdatedAt().toString());
  }

  /** Metadata only: never the envelope, never a value. */
  static JsonObject secretJson(SecretVersion s) {
    return new JsonObject()
        .put("name", s.getName())
        .put("version", s.getVersion())
        .put("keyId", s.getKeyId())
        .put("createdAt", s.getCreatedAt().toString())
        .put("createdBy", s.getCreatedBy());
  }

  static JsonObject auditJson(AuditEvent event) {
    AuditEntry e = (AuditEntry) event.getPayload();
    return new JsonObject()
        .put("time", event.getMeta().getTime().toString())
        .put("action", e.getAction().name().toLowerCase(Locale.ROOT))
        .put("outcome", e.getOutcome())
        .put("actor", e.getActor())
        .put("service", e.getService())
        .put("env", e.getEnv())
        .put("name", e.getName())
        .put("version", e.getVersion())
        .put("requestId", e.getRequestId())
        .put("node", e.getNode())
        .put("detail", e.getDetail())
        .put("eventId", event.getMeta().getEventId());
  }
}
