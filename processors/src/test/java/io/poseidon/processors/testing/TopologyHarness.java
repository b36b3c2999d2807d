package io.poseidon.processors.testing;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.Tracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * A service's topology in TopologyTestDriver, the way every topology test sets it up: the topology the
 * node runs (built by the given factory), registry-less serdes, the production error handling (dead
 * letters to {@code <service>.dlq}), a state directory of its own, and a {@link MutableClock} that moves
 * together with the driver's wall clock. {@link #restart()} starts a new driver whose stores hold what
 * the old ones held, as a restarted node gets them back from the changelogs.
 */
public final class TopologyHarness implements AutoCloseable {

  private final String service;
  private final Supplier<Topology> topology;
  private final MutableClock clock;
  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final Map<String, Object> extraConfig;
  private final Tracing tracing;
  private TopologyTestDriver driver;

  public TopologyHarness(String service, Supplier<Topology> topology, MutableClock clock) {
    this(service, topology, clock, Map.of(), Tracing.off());
  }

  /** With more Streams settings, e.g. the node's metric hooks ({@code SagaStates.CONFIG}). */
  public TopologyHarness(String service, Supplier<Topology> topology, MutableClock clock, Map<String, Object> extraConfig) {
    this(service, topology, clock, extraConfig, Tracing.off());
  }

  /** As above, with the processors' spans going to {@code tracing} (a test SDK with an in-memory exporter). */
  public TopologyHarness(String service, Supplier<Topology> topology, MutableClock clock, Tracing tracing) {
    this(service, topology, clock, Map.of(), tracing);
  }

  public TopologyHarness(String service, Supplier<Topology> topology, MutableClock clock, Map<String, Object> extraConfig,
      Tracing tracing) {
    this.service = service;
    this.topology = topology;
    this.clock = clock;
    this.extraConfig = Map.copyOf(extraConfig);
    this.tracing = tracing;
    this.driver = newDriver();
  }

  private TopologyTestDriver newDriver() {
    java.util.Properties props = StreamsDefaults.forTopologyTest(service);
    props.putAll(extraConfig);
    props.put(Tracing.APP_CONFIG, tracing); // as the node hands its instance to every Streams client
    return new TopologyTestDriver(topology.get(), props, clock.instant());
  }

  public TopologyTestDriver driver() {
    return driver;
  }

  public MutableClock clock() {
    return clock;
  }

  public SerdeFactory serdes() {
    return serdes;
  }

  /** An input topic with String keys and Avro values of {@code type}. */
  public <V extends SpecificRecord> TestInputTopic<String, V> input(TopicSpec topic, Class<V> type) {
    return driver.createInputTopic(topic.name(), new StringSerializer(), serdes.valueSerializer(type));
  }

  /** An input topic of raw bytes (poison records). */
  public TestInputTopic<byte[], byte[]> rawInput(TopicSpec topic) {
    return driver.createInputTopic(topic.name(), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** An output topic with String keys and Avro values of {@code type}. */
  public <V extends SpecificRecord> TestOutputTopic<String, V> output(TopicSpec topic, Class<V> type) {
    return driver.createOutputTopic(topic.name(), new StringDeserializer(), serdes.valueDeserializer(type));
  }

  /** The service's dead letters, byte for byte, with their headers. */
  public TestOutputTopic<byte[], byte[]> deadLetters() {
    return driver.createOutputTopic(TopicSpec.deadLetterName(service), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** A record of a store's changelog topic (a tombstone has a null value). */
  public TestOutputTopic<String, byte[]> changelog(String applicationId, String store) {
    return driver.createOutputTopic(applicationId + "-" + store + "-changelog", new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  /** Moves the saga's clock and the driver's wall clock together (punctuators fire). */
  public void advance(Duration d) {
    clock.advance(d);
    driver.advanceWallClockTime(d);
  }

  public <V> KeyValueStore<String, V> store(String name) {
    return driver.getKeyValueStore(name);
  }

  /** Every entry of a store, in key order. */
  public <V> List<KeyValue<String, V>> entries(String name) {
    List<KeyValue<String, V>> out = new ArrayList<>();
    KeyValueStore<String, V> kv = store(name);
    try (KeyValueIterator<String, V> it = kv.all()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  /** The ids of the timers in a {@code TimerIndex} store, oldest due first. */
  public List<String> timerIds(String timerStore) {
    return this.<String>entries(timerStore).stream().map(kv -> TimerIndex.idOf(kv.key)).toList();
  }

  /**
   * Closes the driver and starts a new one whose stores hold what the old ones held (TopologyTestDriver
   * deletes its state directory on close). Input and output topics must be created again.
   */
  public void restart(String... stores) {
    Map<String, List<KeyValue<String, Object>>> saved = new LinkedHashMap<>();
    Map<String, List<KeyValue<Windowed<String>, Object>>> savedWindows = new LinkedHashMap<>();
    for (String store : stores) {
      if (driver.getWindowStore(store) != null) {
        List<KeyValue<Windowed<String>, Object>> windows = new ArrayList<>();
        WindowStore<String, Object> ws = driver.getWindowStore(store);
        try (KeyValueIterator<Windowed<String>, Object> it = ws.fetchAll(Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
          it.forEachRemaining(windows::add);
        }
        savedWindows.put(store, windows);
      } else {
        saved.put(store, entries(store));
      }
    }
    driver.close();
    driver = newDriver();
    saved.forEach((store, entries) -> {
      KeyValueStore<String, Object> kv = driver.getKeyValueStore(store);
      entries.forEach(e -> kv.put(e.key, e.value));
    });
    savedWindows.forEach((store, entries) -> {
      WindowStore<String, Object> ws = driver.getWindowStore(store);
      entries.forEach(e -> ws.put(e.key.key(), e.value, e.key.window().start()));
    });
  }

  @Override
  public void close() {
    driver.close();
  }
}
