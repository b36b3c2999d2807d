package io.poseidon.processors.tide;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.streams.CommitBufferedWindowStore;
import io.poseidon.topology.validation.Ids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each raw record: validate, drop a duplicate (source, id) seen within {@code tide.dedup.window},
 * find the rules that take it (highest priority first; the first match wins unless it continues),
 * enrich (the instance's metadata from depths, then the rule's {@code set}), convert to each
 * destination's type, and only when every conversion succeeded, forward them all and count. A record
 * that cannot be routed changes nothing but the dead-letter counter and goes to {@code tide.dlq} with
 * the reason.
 */
final class TideRouter implements Processor<String, IngestEvent, String, SpecificRecord> {

  private static final Logger log = LoggerFactory.getLogger(TideRouter.class);

  static final String DUPLICATES = "duplicates";
  static final String DEAD_LETTERED = "dead-lettered";
  static final String RULE = "rule:";
  static final String DESTINATION = "destination:";
  static final long COUNTER_WINDOW_MS = Duration.ofMinutes(1).toMillis();

  private final RuleBook book;
  private final Clock clock;
  private final long dedupWindowMs;
  private final int maxPayloadBytes;
  private ProcessorContext<String, SpecificRecord> context;
  private DedupLog dedupLog;
  private WindowStore<String, Long> dedupIndex;
  /** Prefix of this processor's index keys; null until the index was rebuilt from the log (see {@link #index}). */
  private String generation;
  /** Bloom filters of what this processor put into the index: a new key is answered without a read. */
  private SeenKeys seenKeys;
  private TideCounters counters;
  private KeyValueStore<String, Object> instances;
  /** Counter keys by rule id and by destination topic: two maps, as a rule id may be a topic's name. */
  private final Map<String, String> ruleCounters = new HashMap<>();
  private final Map<String, String> destinationCounters = new HashMap<>();

  TideRouter(RuleBook book, TideConfig config, Clock clock) {
    this.book = book;
    this.clock = clock;
    this.dedupWindowMs = config.dedupWindow().toMillis();
    this.maxPayloadBytes = config.maxPayloadBytes();
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.dedupLog = CommitBufferedWindowStore.of(context, TideTopology.DEDUP_STORE, DedupLog.class);
    this.dedupIndex = context.getStateStore(TideTopology.DEDUP_INDEX);
    this.counters = CommitBufferedWindowStore.of(context, TideTopology.COUNTER_STORE, TideCounters.class);
    this.generation = null;
    this.seenKeys = null;
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
    Map<String, String> problems = TideValidation.check(raw, maxPayloadBytes);
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    Map<String, Object> payload = Payloads.parse(raw.getPayload());
    String sourceAndId = raw.getId() == null ? null : raw.getSource() + "|" + raw.getId();
    String dedupKey = sourceAndId == null ? null : index() + sourceAndId;
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
      dedupIndex.put(dedupKey, ts, bucket(ts));
      seenKeys.add(dedupKey, bucket(ts));
      dedupLog.add(sourceAndId, ts);
    }
    for (RuleBook.Compiled rule : matched) {
      count(ruleCounters.computeIfAbsent(rule.ruleId(), id -> RULE + id), ts);
    }
    for (Destinations.Routed out : outputs) {
      count(destinationCounters.computeIfAbsent(out.topic().name(), name -> DESTINATION + name), ts);
      context.forward(new Record<>(out.key(), out.value(), ts), out.sink());
    }
  }

  /**
   * The prefix of the index's keys, after the index was rebuilt from the log on the task's first record.
   * Every opening of the task has its own prefix, so the index holds exactly what the log holds — never a
   * key an earlier, uncommitted run of the task put there (its entries leave with their buckets).
   */
  private String index() {
    if (generation == null) {
      String prefix = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
          + "|";
      long started = System.nanoTime();
      seenKeys = new SeenKeys(TideTopology.DEDUP_RETENTION_WINDOWS * dedupWindowMs); // the index's retention
      long keys = dedupLog.replay((key, time) -> {
        dedupIndex.put(prefix + key, time, bucket(time));
        seenKeys.add(prefix + key, bucket(time));
      });
      if (keys > 0) {
        log.info("tide partition {}: de-duplication index rebuilt from its log, {} keys in {} ms",
            context.taskId().partition(), keys, (System.nanoTime() - started) / 1_000_000);
      }
      generation = prefix;
    }
    return generation;
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
      if (!seenKeys.mightContain(key, b)) {
        continue; // certainly not in the index: no read
      }
      Long at = dedupIndex.fetch(key, b);
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
    Map<String, String> attributes = given; // copied only when something is added (no output changes it)
    String service = given.get("service");
    String instance = given.get("instance");
    if (service != null && instance != null) {
      Object stored = instances.get(io.poseidon.processors.depths.InstanceDirectory.key(service, instance));
      Object value = stored instanceof ValueAndTimestamp<?> vt ? vt.value() : stored;
      if (value instanceof InstanceEvent event && event.getPayload() instanceof ServiceRegistered known) {
        attributes = new LinkedHashMap<>(given);
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
    counters.add(key, ts - ts % COUNTER_WINDOW_MS, 1);
  }
}
