package io.poseidon.processors.tide;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.validation.Ids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Routes each raw record: validate, drop a duplicate (source, id) seen within {@code tide.dedup.window},
 * find the rules that take it (highest priority first; the first match wins unless it continues),
 * enrich (the instance's metadata from depths, then the rule's {@code set}), convert to each
 * destination's type, and only when every conversion succeeded, forward them all and count. A record
 * that cannot be routed changes nothing but the dead-letter counter and goes to {@code tide.dlq} with
 * the reason.
 */
final class TideRouter implements Processor<String, IngestEvent, String, SpecificRecord> {

  static final String DUPLICATES = "duplicates";
  static final String DEAD_LETTERED = "dead-lettered";
  static final String RULE = "rule:";
  static final String DESTINATION = "destination:";
  static final long COUNTER_WINDOW_MS = Duration.ofMinutes(1).toMillis();

  private final RuleBook book;
  private final TideConfig config;
  private final Clock clock;
  private final long dedupWindowMs;
  private ProcessorContext<String, SpecificRecord> context;
  private WindowStore<String, Long> dedup;
  private WindowStore<String, Long> counters;
  private KeyValueStore<String, Object> instances;

  TideRouter(RuleBook book, TideConfig config, Clock clock) {
    this.book = book;
    this.config = config;
    this.clock = clock;
    this.dedupWindowMs = config.dedupWindow().toMillis();
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.dedup = context.getStateStore(TideTopology.DEDUP_STORE);
    this.counters = context.getStateStore(TideTopology.COUNTER_STORE);
    this.instances = context.getStateStore(TideTopology.INSTANCE_STORE);
  }

  @Override
  public void process(Record<String, IngestEvent> record) {
    long ts = record.timestamp();
    try {
      route(record, ts);
    } catch (RejectedRecordException e) {
      count(DEAD_LETTERED, ts);
      throw e;
    }
  }

  private void route(Record<String, IngestEvent> record, long ts) {
    IngestEvent event = record.value();
    if (event == null || !(event.getPayload() instanceof RawEnvelope raw)) {
      throw new RejectedRecordException("empty value: tide.ingest carries IngestEvent records, never tombstones");
    }
    Map<String, String> problems = TideValidation.check(raw, config.maxPayloadBytes());
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    Map<String, Object> payload = Payloads.parse(raw.getPayload());
    String dedupKey = raw.getId() == null ? null : raw.getSource() + "|" + raw.getId();
    if (dedupKey != null && seen(dedupKey, ts)) {
      count(DUPLICATES, ts);
      return;
    }
    Map<String, String> enriched = enrich(raw.getAttributes());
    Instant received = Instant.ofEpochMilli(ts);
    List<RuleBook.Compiled> matched = book.route(raw, payload);
    List<Destinations.Routed> outputs = new ArrayList<>();
    if (matched.isEmpty()) {
      outputs.add(Destinations.convert(Destinations.defaultFor(raw.getKind()), raw, payload, enriched, event.getMeta(),
          null, received, clock));
    } else {
      for (RuleBook.Compiled rule : matched) {
        Map<String, String> attributes = new LinkedHashMap<>(enriched);
        attributes.putAll(rule.rule().getSet());
        TopicSpec destination = Destinations.byName(rule.rule().getDestination());
        outputs.add(Destinations.convert(destination, raw, payload, attributes, event.getMeta(), rule.ruleId(),
            received, clock));
      }
    }
    // every destination's record could be made: now write
    if (dedupKey != null) {
      dedup.put(dedupKey, ts, bucket(ts));
    }
    matched.forEach(rule -> count(RULE + rule.ruleId(), ts));
    for (Destinations.Routed out : outputs) {
      count(DESTINATION + out.topic().name(), ts);
      context.forward(new Record<>(out.key(), out.value(), ts), out.sink());
    }
  }

  /**
   * A record of the same (source, id) within the window, before or after this one. Entries sit in
   * buckets one window wide (at most one per bucket: a second record within a window is a duplicate and
   * never stored), so the candidates are in this record's bucket and its two neighbours.
   */
  private boolean seen(String key, long ts) {
    long bucket = bucket(ts);
    for (long b = bucket - dedupWindowMs; b <= bucket + dedupWindowMs; b += dedupWindowMs) {
      if (b < 0) {
        continue;
      }
      Long at = dedup.fetch(key, b);
      if (at != null && Math.abs(at - ts) <= dedupWindowMs) {
        return true;
      }
    }
    return false;
  }

  private long bucket(long ts) {
    return ts - ts % dedupWindowMs;
  }

  /**
   * The attributes with what depths knows of the instance ({@code attributes.service} and {@code
   * .instance}): its version and host, and its metadata (an owner, a team, a zone ...), never replacing
   * what the source said.
   */
  private Map<String, String> enrich(Map<String, String> given) {
    Map<String, String> attributes = new LinkedHashMap<>(given);
    String service = given.get("service");
    String instance = given.get("instance");
    if (service != null && instance != null) {
      Object stored = instances.get(io.poseidon.processors.depths.InstanceDirectory.key(service, instance));
      Object value = stored instanceof ValueAndTimestamp<?> vt ? vt.value() : stored;
      if (value instanceof InstanceEvent event && event.getPayload() instanceof ServiceRegistered known) {
        known.getMetadata().forEach(attributes::putIfAbsent);
        if (known.getVersion() != null) {
          attributes.putIfAbsent("instance.version", known.getVersion());
        }
        attributes.putIfAbsent("instance.host", known.getHost());
      }
    }
    return attributes;
  }

  private void count(String key, long ts) {
    long window = ts - ts % COUNTER_WINDOW_MS;
    Long current = counters.fetch(key, window);
    counters.put(key, current == null ? 1L : current + 1, window);
  }
}
