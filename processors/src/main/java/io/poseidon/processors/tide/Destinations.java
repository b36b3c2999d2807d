package io.poseidon.processors.tide;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.LogLevel;
import io.poseidon.schemas.lighthouse.LogRecord;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentDeleted;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.DocumentKind;
import io.poseidon.schemas.tide.ArchiveEvent;
import io.poseidon.schemas.tide.ArchivedRecord;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.validation.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * The typed destinations of tide and how a raw record becomes each: a metric batch, a log line, a
 * document change, or the record kept as it is. A payload that cannot become its destination's type is
 * refused with the reason ({@link RejectedRecordException}: the raw record goes to {@code tide.dlq}).
 */
final class Destinations {

  /** Where an envelope goes: the topic, its sink, the record key and value. */
  record Routed(TopicSpec topic, String sink, String key, SpecificRecord value) {}

  static final List<TopicSpec> ALL = List.of(LighthouseTopics.METRICS, LighthouseTopics.LOGS, OracleTopics.DOCUMENTS,
      TideTopics.ARCHIVE);

  private Destinations() {}

  /** The destination of a kind when no rule matches. */
  static TopicSpec defaultFor(IngestKind kind) {
    return switch (kind) {
      case METRIC -> LighthouseTopics.METRICS;
      case LOG -> LighthouseTopics.LOGS;
      case DOCUMENT -> OracleTopics.DOCUMENTS;
      default -> TideTopics.ARCHIVE;
    };
  }

  private static final Map<String, TopicSpec> BY_NAME = ALL.stream()
      .collect(java.util.stream.Collectors.toUnmodifiableMap(TopicSpec::name, t -> t));

  /** The destination named {@code topic}, or null (a map lookup: the router asks for every matched rule). */
  static TopicSpec byName(String topic) {
    return topic == null ? null : BY_NAME.get(topic);
  }

  /**
   * @param attributes the envelope's attributes after enrichment
   * @param routedBy the rule that chose the destination, null for the default
   */
  static Routed convert(TopicSpec destination, RawEnvelope raw, Map<String, Object> payload,
      Map<String, String> attributes, EventMeta cause, String routedBy, Instant received, Clock clock) {
    if (destination == LighthouseTopics.METRICS) {
      MetricBatch batch = metrics(raw, payload, attributes, received);
      return new Routed(destination, TideTopology.METRICS_SINK, batch.getService(),
          new MetricEvent(EventMetas.causedBy(cause, "lighthouse.MetricBatch", "tide", clock), batch));
    }
    if (destination == LighthouseTopics.LOGS) {
      LogRecord log = log(raw, payload, attributes, received);
      return new Routed(destination, TideTopology.LOGS_SINK, log.getService(),
          new LogEvent(EventMetas.causedBy(cause, "lighthouse.LogRecord", "tide", clock), log));
    }
    if (destination == OracleTopics.DOCUMENTS) {
      SpecificRecord change = document(payload, attributes);
      String docId = change instanceof DocumentChanged c ? c.getDocId() : ((DocumentDeleted) change).getDocId();
      return new Routed(destination, TideTopology.DOCUMENTS_SINK, docId, new DocumentEvent(
          EventMetas.causedBy(cause, "oracle." + change.getSchema().getName(), "tide", clock), change));
    }
    ArchivedRecord archived = ArchivedRecord.newBuilder().setSource(raw.getSource()).setKind(raw.getKind())
        .setId(raw.getId()).setTime(raw.getTime()).setAttributes(attributes).setPayload(raw.getPayload())
        .setRoutedBy(routedBy).build();
    return new Routed(TideTopics.ARCHIVE, TideTopology.ARCHIVE_SINK, raw.getSource(),
        new ArchiveEvent(EventMetas.causedBy(cause, "tide.ArchivedRecord", "tide", clock), archived));
  }

  /** A single point ({@code name}, {@code value}) or a batch ({@code points: [...]}). */
  static MetricBatch metrics(RawEnvelope raw, Map<String, Object> payload, Map<String, String> attributes,
      Instant received) {
    String service = service(payload, attributes, "metric");
    Instant batchTime = time(raw, payload, received);
    List<MetricPoint> points = new ArrayList<>();
    Object list = payload.get("points");
    if (list instanceof List<?> many) {
      if (many.isEmpty()) {
        throw new RejectedRecordException("a metric batch needs at least one point (points is empty)");
      }
      for (int i = 0; i < many.size(); i++) {
        if (!(many.get(i) instanceof Map<?, ?> point)) {
          throw new RejectedRecordException("points[" + i + "] must be an object");
        }
        points.add(point(asMap(point), "points[" + i + "].", batchTime));
      }
    } else if (list != null) {
      throw new RejectedRecordException("points must be an array");
    } else {
      points.add(point(payload, "", batchTime));
    }
    return MetricBatch.newBuilder().setService(service).setInstance(instance(payload, attributes)).setPoints(points)
        .setAttributes(attributes).build();
  }

  private static MetricPoint point(Map<String, Object> p, String at, Instant batchTime) {
    Object name = p.get("name");
    if (!(name instanceof String n) || n.isBlank() || n.length() > 256) {
      throw new RejectedRecordException("a metric needs a name (" + at + "name, 1-256 characters)");
    }
    Object value = p.get("value");
    if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
      throw new RejectedRecordException("a metric needs a numeric value (" + at + "value), got "
          + (value == null ? "none" : Payloads.text(value)));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (p.get("labels") instanceof Map<?, ?> given) {
      given.forEach((k, v) -> labels.put(String.valueOf(k), Payloads.text(v)));
    }
    Instant time = Payloads.time(p.get("time"), at + "time");
    Object unit = p.get("unit");
    return MetricPoint.newBuilder().setName(n).setLabels(labels).setTime(time == null ? batchTime : time)
        .setValue(number.doubleValue()).setUnit(unit == null ? null : String.valueOf(unit)).build();
  }

  static LogRecord log(RawEnvelope raw, Map<String, Object> payload, Map<String, String> attributes,
      Instant received) {
    Object message = payload.get("message");
    if (!(message instanceof String text) || text.isEmpty()) {
      throw new RejectedRecordException("a log needs a message (a non-empty string)");
    }
    Object level = payload.getOrDefault("level", "INFO");
    LogLevel parsed;
    try {
      String name = String.valueOf(level).toUpperCase(Locale.ROOT);
      parsed = LogLevel.valueOf(name.equals("WARNING") ? "WARN" : name.equals("CRITICAL") ? "FATAL" : name);
    } catch (IllegalArgumentException e) {
      throw new RejectedRecordException("a log level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, got "
          + level);
    }
    Map<String, String> merged = new LinkedHashMap<>(attributes);
    if (payload.get("attributes") instanceof Map<?, ?> extra) {
      extra.forEach((k, v) -> merged.putIfAbsent(String.valueOf(k), Payloads.text(v)));
    }
    Object traceId = payload.get("traceId");
    return LogRecord.newBuilder().setService(service(payload, attributes, "log"))
        .setInstance(instance(payload, attributes)).setLevel(parsed).setMessage(text)
        .setTime(time(raw, payload, received)).setTraceId(traceId == null ? null : String.valueOf(traceId))
        .setAttributes(merged).build();
  }

  /** {@code {docId, deleted: true}} or {@code {docId, title, kind, service?, tags?, body, source?: {uri}}}. */
  static SpecificRecord document(Map<String, Object> payload, Map<String, String> attributes) {
    Object docId = payload.get("docId");
    if (!(docId instanceof String id) || !Ids.isId(id)) {
      throw new RejectedRecordException("a document needs a docId (" + Ids.ID_RULE.replace("must be ", "") + ")");
    }
    if (Boolean.TRUE.equals(payload.get("deleted"))) {
      return new DocumentDeleted(id);
    }
    Object title = payload.get("title");
    Object body = payload.get("body");
    if (!(title instanceof String t) || t.isBlank()) {
      throw new RejectedRecordException("a document needs a title");
    }
    if (!(body instanceof String b)) {
      throw new RejectedRecordException("a document needs a body (markdown text)");
    }
    DocumentKind kind;
    try {
      kind = DocumentKind.valueOf(String.valueOf(payload.getOrDefault("kind", "note")).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new RejectedRecordException("a document kind must be one of runbook, adr, readme, incident, note, got "
          + payload.get("kind"));
    }
    List<String> tags = new ArrayList<>();
    if (payload.get("tags") instanceof List<?> given) {
      given.forEach(tag -> tags.add(String.valueOf(tag)));
    }
    Object service = payload.getOrDefault("service", attributes.get("service"));
    Object uri = payload.get("source") instanceof Map<?, ?> source ? source.get("uri") : null;
    return DocumentChanged.newBuilder().setDocId(id).setTitle(t).setKind(kind)
        .setService(service == null ? null : String.valueOf(service)).setTags(tags).setBody(b)
        .setSourceUri(uri == null ? null : String.valueOf(uri)).setAttributes(attributes).build();
  }

  private static String service(Map<String, Object> payload, Map<String, String> attributes, String what) {
    Object service = attributes.containsKey("service") ? attributes.get("service") : payload.get("service");
    if (!(service instanceof String s) || !Ids.isName(s)) {
      throw new RejectedRecordException("a " + what + " needs a service (attributes.service or payload.service: "
          + Ids.SERVICE_RULE.replace("must be ", "") + "), got " + (service == null ? "none" : service));
    }
    return s;
  }

  private static String instance(Map<String, Object> payload, Map<String, String> attributes) {
    Object instance = attributes.containsKey("instance") ? attributes.get("instance") : payload.get("instance");
    return instance == null ? null : String.valueOf(instance);
  }

  private static Instant time(RawEnvelope raw, Map<String, Object> payload, Instant received) {
    Instant given = Payloads.time(payload.get("time"), "time");
    return given != null ? given : raw.getTime() != null ? raw.getTime() : received;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
