package io.poseidon.gateway.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live streams of a node ({@code GET /api/v1/stream}, docs/live.md): one {@link TopicFeed} — one Kafka
 * consumer — per topic that has clients, started with the first and shared by all; clients resuming from
 * further back than a feed's replay buffer first catch up with a consumer of their own (at most
 * {@code maxCatchUps} at once), then join the feed without a gap or a duplicate.
 */
public final class LiveHub implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LiveHub.class);

  /** Where a new client starts. */
  public sealed interface Start {
    record Latest() implements Start {}

    record Earliest() implements Start {}

    record From(StreamPosition position) implements Start {}
  }

  /** Makes consumers (byte keys and values, no group) and the renderer of each topic. */
  public interface Kafka {
    Consumer<byte[], byte[]> consumer(String clientId, boolean earliest);

    Function<ConsumerRecord<byte[], byte[]>, LiveMessage> renderer(String topic);
  }

  /** Too many clients, or too many catching up: answer 503 and let the client retry. */
  public static final class BusyException extends RuntimeException {
    public BusyException(String message) {
      super(message);
    }
  }

  private final Kafka kafka;
  private final String nodeId;
  private final int replayRecords;
  private final long replayBytes;
  private final int maxClients;
  private final Semaphore catchUps;
  private final int maxCatchUps;
  private final Map<String, TopicFeed> feeds = new ConcurrentHashMap<>();
  private final Set<LiveClient> clients = ConcurrentHashMap.newKeySet();
  private final Set<Consumer<?, ?>> catchUpConsumers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger catchingUp = new AtomicInteger();
  private final Counter evictions;
  private final MeterRegistry metrics;
  private volatile boolean closed;

  public LiveHub(Kafka kafka, String nodeId, int replayRecords, long replayBytes, int maxClients, int maxCatchUps,
      MeterRegistry metrics) {
    this.kafka = kafka;
    this.nodeId = nodeId;
    this.replayRecords = replayRecords;
    this.replayBytes = replayBytes;
    this.maxClients = maxClients;
    this.maxCatchUps = maxCatchUps;
    this.catchUps = new Semaphore(maxCatchUps);
    this.metrics = metrics;
    Gauge.builder("poseidon.live.clients", clients, Set::size).description("Connected live stream clients")
        .register(metrics);
    Gauge.builder("poseidon.live.consumers", feeds, Map::size)
        .description("Kafka consumers feeding live streams (one per topic with clients)").register(metrics);
    Gauge.builder("poseidon.live.catching.up", catchingUp, AtomicInteger::get)
        .description("Clients reading history with their own consumer before joining a feed").register(metrics);
    this.evictions = Counter.builder("poseidon.live.evictions").description("Clients closed for being too slow")
        .register(metrics);
  }

  /**
   * Admits {@code client} (blocking: call off the event loop): starts the feeds of its topics when they
   * have none yet, then attaches it where {@code start} says. Throws {@link BusyException} when the node has
   * {@code maxClients} clients or a catch-up consumer cannot be had now.
   */
  public void subscribe(LiveClient client, Start start) {
    if (closed) {
      throw new BusyException("the node is stopping");
    }
    if (clients.size() >= maxClients) {
      throw new BusyException("this node serves " + maxClients + " live clients already (http.stream.max-clients)");
    }
    Map<String, TopicFeed> mine = new HashMap<>();
    for (String topic : client.topics()) {
      mine.put(topic, feed(topic));
    }
    boolean needsCatchUp = false;
    Map<String, Map<TopicPartition, Long>> froms = new HashMap<>();
    for (TopicFeed feed : mine.values()) {
      Map<TopicPartition, Long> from = from(feed, start);
      froms.put(feed.topic(), from);
      if (from != null && !coveredBy(feed, from)) {
        needsCatchUp = true;
      }
    }
    if (needsCatchUp && !catchUps.tryAcquire()) {
      throw new BusyException(maxCatchUps + " clients are reading history already (http.stream.catch-up-consumers); "
          + "retry shortly or resume from a later position");
    }
    clients.add(client);
    List<Runnable> later = new java.util.ArrayList<>();
    for (TopicFeed feed : mine.values()) {
      Map<TopicPartition, Long> from = froms.get(feed.topic());
      if (from == null) {
        feed.attachAtEnd(client);
      } else if (!feed.attachFrom(client, from)) {
        later.add(() -> catchUp(client, feed, from));
      }
    }
    if (!later.isEmpty()) {
      boolean acquired = needsCatchUp; // else the buffer moved on between the check and the attach (rare)
      Thread thread = new Thread(() -> {
        catchingUp.incrementAndGet();
        try {
          later.forEach(Runnable::run);
        } finally {
          catchingUp.decrementAndGet();
          if (acquired) {
            catchUps.release();
          }
        }
      }, "live-catch-up-" + nodeId);
      thread.setDaemon(true);
      thread.start();
    } else if (needsCatchUp) {
      catchUps.release(); // covered after all
    }
  }

  private static boolean coveredBy(TopicFeed feed, Map<TopicPartition, Long> from) {
    return feed.covers(from);
  }

  /** The next offsets to start from on {@code feed}'s partitions, null for its end. */
  private Map<TopicPartition, Long> from(TopicFeed feed, Start start) {
    Map<TopicPartition, Long> end = feed.end();
    if (start instanceof Start.Latest) {
      return null;
    }
    if (start instanceof Start.Earliest) {
      try (Consumer<byte[], byte[]> c = kafka.consumer("poseidon-live-offsets-" + nodeId, true)) {
        return new HashMap<>(c.beginningOffsets(end.keySet(), Duration.ofSeconds(10)));
      }
    }
    Map<TopicPartition, Long> from = new HashMap<>(end);
    ((Start.From) start).position().next().forEach((tp, offset) -> {
      if (tp.topic().equals(feed.topic()) && end.containsKey(tp)) {
        from.put(tp, offset);
      }
    });
    return from;
  }

  /** Reads {@code feed}'s topic from {@code from} with a consumer of its own until the feed's buffer covers it. */
  private void catchUp(LiveClient client, TopicFeed feed, Map<TopicPartition, Long> from) {
    Map<TopicPartition, Long> at = new HashMap<>(from);
    client.startAt(at);
    Function<ConsumerRecord<byte[], byte[]>, LiveMessage> render = kafka.renderer(feed.topic());
    Consumer<byte[], byte[]> consumer = kafka.consumer("poseidon-live-catch-up-" + nodeId, true);
    catchUpConsumers.add(consumer);
    try {
      consumer.assign(at.keySet());
      at.forEach(consumer::seek);
      while (!client.closed() && !closed) {
        if (feed.attachFrom(client, at)) {
          return;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (!client.offer(render.apply(record))) {
            return;
          }
        }
        for (TopicPartition tp : at.keySet()) {
          at.put(tp, consumer.position(tp));
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.warn("Catching up a live client on {} failed: {}", feed.topic(), e.toString());
      client.close();
    } finally {
      catchUpConsumers.remove(consumer);
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private TopicFeed feed(String topic) {
    TopicFeed feed = feeds.get(topic);
    if (feed != null) {
      return feed;
    }
    synchronized (feeds) {
      feed = feeds.get(topic);
      if (feed == null) {
        feed = new TopicFeed(topic, kafka.consumer("poseidon-live-" + nodeId + "-" + topic, false),
            kafka.renderer(topic), replayRecords, replayBytes, nodeId);
        feed.start(Duration.ofSeconds(10));
        feeds.put(topic, feed);
        log.info("Live feed of {} started", topic);
      }
      return feed;
    }
  }

  /** The connection of {@code client} ended. */
  public void unsubscribe(LiveClient client, boolean evicted) {
    client.close();
    if (clients.remove(client)) {
      client.topics().forEach(t -> {
        TopicFeed feed = feeds.get(t);
        if (feed != null) {
          feed.detach(client);
        }
      });
      if (evicted) {
        evictions.increment();
      }
    }
  }

  public int clients() {
    return clients.size();
  }

  /** Consumers feeding live streams, by topic (one each). */
  public Map<String, Integer> consumers() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    feeds.keySet().forEach(t -> out.put(t, 1));
    return out;
  }

  @Override
  public void close() {
    closed = true;
    catchUpConsumers.forEach(Consumer::wakeup);
    feeds.values().forEach(TopicFeed::close);
    feeds.clear();
  }
}
