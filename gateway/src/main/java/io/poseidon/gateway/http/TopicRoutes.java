package io.poseidon.gateway.http;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.validation.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The node's generic publish: {@code POST /api/v1/topics/{topic}/events} writes one event to any
 * public topic of the catalog — JSON validated against the topic's Avro value schema with the same
 * field errors as every command, produced as Avro. The gateway writes the event's {@code meta} (a new
 * event id and correlation id, the payload's type, the caller as actor, the traceparent); the body is
 * the rest of the value. Internal topics (changelogs, repartition topics: never in the catalog) and
 * dead-letter topics (raw bytes, no value schema) answer 404. {@code GET /api/v1/topics} lists what
 * can be published.
 */
public final class TopicRoutes implements ServiceRoutes {

  public static final int MAX_KEY_CHARS = 1024;

  private final EventPublisher publisher;
  private final Responses responses;
  private final TopicCatalog catalog;
  private final Clock clock;

  public TopicRoutes(EventPublisher publisher, Responses responses, TopicCatalog catalog, Clock clock) {
    this.publisher = publisher;
    this.responses = responses;
    this.catalog = catalog;
    this.clock = clock;
  }

  @Override
  public void bind(Operations operations) {
    operations.on("listTopics", this::list);
    operations.on("publishEvent", this::publish);
  }

  /** A topic events may be published to: catalogued, with an Avro value schema. */
  Optional<TopicSpec> publishable(String name) {
    return catalog.byName(name).filter(t -> t.valueSchema() != null);
  }

  private void list(RoutingContext ctx) {
    JsonArray topics = new JsonArray();
    for (TopicSpec t : catalog.all()) {
      if (t.valueSchema() != null) {
        topics.add(new JsonObject().put("name", t.name()).put("owner", t.owner()).put("partitions", t.partitions())
            .put("key", t.keyType()).put("valueSchema", t.valueSchema().getName()).put("doc", t.doc()));
      }
    }
    Responses.json(ctx, 200, new JsonObject().put("topics", topics));
  }

  private void publish(RoutingContext ctx) {
    String name = ctx.pathParam("topic");
    Optional<TopicSpec> topic = publishable(name);
    if (topic.isEmpty()) {
      ApiError.send(ctx, 404, "topic_not_found", catalog.byName(name).isPresent()
          ? name + " is a dead-letter topic: it carries raw bytes and is written by its service only"
          : "no public topic " + name + " (changelog and repartition topics are internal); GET /api/v1/topics lists them");
      return;
    }
    String key = ctx.queryParams().get("key");
    List<FieldError> errors = new ArrayList<>();
    if (key != null && (key.isEmpty() || key.length() > MAX_KEY_CHARS || Ids.hasControlCharacters(key))) {
      errors.add(new FieldError("key", "must be 1-" + MAX_KEY_CHARS + " characters without control characters"));
    }
    Schema schema = SpecificData.get().getSchema(topic.get().valueSchema());
    boolean envelope = schema.getField("meta") != null
        && schema.getField("meta").schema().getFullName().equals(EventMeta.getClassSchema().getFullName());
    SpecificRecord record = errors.isEmpty()
        ? AvroJson.toRecord(Commands.body(ctx), schema, errors, envelope ? java.util.Set.of("meta") : java.util.Set.of())
        : null;
    if (!Commands.valid(ctx, "the event", errors)) {
      return;
    }
    EventMeta meta;
    if (envelope) {
      Object payload = schema.getField("payload") == null ? null : record.get(schema.getField("payload").pos());
      meta = EventMetas.first(eventType(payload, schema), "gateway", Commands.actor(ctx), Commands.traceparent(ctx),
          clock);
      record.put(schema.getField("meta").pos(), meta);
    } else {
      meta = EventMetas.first(schema.getName(), "gateway", Commands.actor(ctx), Commands.traceparent(ctx), clock);
    }
    responses.accepted(ctx, meta, publisher.publish(topic.get(), key, record),
        ack -> ack.put("topic", name).put("key", key));
  }

  /** {@code <domain>.<Name>} of the payload's record (e.g. depths.ServiceRegistered), as EventMeta.type says. */
  static String eventType(Object payload, Schema envelope) {
    Schema schema = payload instanceof SpecificRecord r ? r.getSchema() : envelope;
    String namespace = schema.getNamespace() == null ? "" : schema.getNamespace();
    return namespace.substring(namespace.lastIndexOf('.') + 1) + "." + schema.getName();
  }
}
