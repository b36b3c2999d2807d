package io.poseidon.gateway.live;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one consumer of a topic on this node, shared by every live client of the topic: it reads from the
 * end of every partition (assigned, no consumer group: nothing to commit, no rebalance), renders each
 * event once and offers it to the topic's clients. It keeps the latest events in a bounded replay buffer
 * ({@code replayRecords} events, {@code replayBytes} of heap), from which a client resuming a position
 * close behind is served without reading Kafka again; a client further behind catches up with its own
 * short-lived consumer ({@link LiveHub}) until the buffer covers it.
 */
final class TopicFeed implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TopicFeed.class);

  private final String topic;
  private final Consumer<byte[], byte[]> consumer;
  private final Function<ConsumerRecord<byte[], byte[]>, LiveMessage> render;
  private final int replayRecords;
  private final long replayBytes;
  /** Clients without a key filter: offered every event. */
  private final CopyOnWriteArrayList<LiveClient> clients = new CopyOnWriteArrayList<>();
  /** Clients with a key filter, by key: offered only their keys' events (no filter check per client and event). */
  private final Map<String, CopyOnWriteArrayList<LiveClient>> byKey = new java.util.concurrent.ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  // guarded by this: the replay buffer, and per partition the first offset it covers and the next to read
  private final ArrayDeque<LiveMessage> replay = new ArrayDeque<>();
  private long replayWeight;
  private final Map<TopicPartition, Long> covered = new HashMap<>();
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private volatile long received;

  TopicFeed(String topic, Consumer<byte[], byte[]> consumer, Function<ConsumerRecord<byte[], byte[]>, LiveMessage> render,
      int replayRecords, long replayBytes, String nodeId) {
    this.topic = topic;
    this.consumer = consumer;
    this.render = render;
    this.replayRecords = replayRecords;
    this.replayBytes = replayBytes;
    this.thread = new Thread(this::run, "live-" + topic + "-" + nodeId);
    this.thread.setDaemon(true);
  }

  /** Assigns every partition at its end and starts reading (blocking: call off the event loop). */
  void start(Duration timeout) {
    List<TopicPartition> partitions = partitions(consumer, topic, timeout);
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    synchronized (this) {
      for (TopicPartition tp : partitions) {
        long end = consumer.position(tp, timeout);
        next.put(tp, end);
        covered.put(tp, end);
      }
    }
    thread.start();
  }

  static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, Duration timeout) {
    List<org.apache.kafka.common.PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist (yet): no node running its service created it");
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  String topic() {
    return topic;
  }

  int clients() {
    return clients.size() + byKey.values().stream().mapToInt(List::size).sum();
  }

  private void add(LiveClient client) {
    if (client.keys().isEmpty()) {
      clients.add(client);
    } else {
      client.keys().forEach(k -> byKey.computeIfAbsent(k, x -> new CopyOnWriteArrayList<>()).add(client));
    }
  }

  long received() {
    return received;
  }

  /** The partitions of the topic with the next offset the feed reads. */
  synchronized Map<TopicPartition, Long> end() {
    return Map.copyOf(next);
  }

  /** Attaches {@code client} at the end of every partition: it gets what is read from now on. */
  synchronized void attachAtEnd(LiveClient client) {
    client.startAt(next);
    add(client);
  }

  /**
   * Attaches {@code client} from {@code from} (next offset per partition; partitions it does not name
   * start at the end) when the replay buffer covers it: the buffered events at or after it are offered
   * first, then the live ones. False, with nothing done, when the buffer starts later than {@code from}.
   */
  synchronized boolean attachFrom(LiveClient client, Map<TopicPartition, Long> from) {
    if (!covers(from)) {
      return false;
    }
    Map<TopicPartition, Long> start = new HashMap<>(next);
    from.forEach((tp, offset) -> {
      if (next.containsKey(tp)) {
        start.put(tp, offset); // ahead of the feed: the client drops what it already had
      }
    });
    client.startAt(start);
    for (LiveMessage m : replay) {
      if (m.offset() >= start.get(m.topicPartition()) && !client.offer(m)) {
        return true; // evicted while replaying: nothing more to do
      }
    }
    add(client);
    return true;
  }

  /** Whether the replay buffer holds everything from {@code from} on (partitions the topic lacks ignored). */
  synchronized boolean covers(Map<TopicPartition, Long> from) {
    for (Map.Entry<TopicPartition, Long> e : from.entrySet()) {
      Long first = covered.get(e.getKey());
      if (first != null && e.getValue() < first) {
        return false;
      }
    }
    return true;
  }

  void detach(LiveClient client) {
    clients.remove(client);
    client.keys().forEach(k -> byKey.computeIfPresent(k, (x, list) -> {
      list.remove(client);
      return list.isEmpty() ? null : list;
    }));
  }

  private void run() {
    try {
      while (running) {
        Iterable<ConsumerRecord<byte[], byte[]>> records;
        try {
          records = consumer.poll(Duration.ofMillis(500));
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("Live feed of {} could not read ({}); retrying in 1 s", topic, e.toString());
          Thread.sleep(1_000);
          continue;
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
          LiveMessage message = render.apply(record);
          Object[] all;
          Object[] keyed;
          synchronized (this) {
            append(message);
            all = clients.toArray();
            CopyOnWriteArrayList<LiveClient> forKey = message.key() == null ? null : byKey.get(message.key());
            keyed = forKey == null ? new Object[0] : forKey.toArray();
          }
          received++;
          offer(all, message);
          offer(keyed, message);
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void offer(Object[] receivers, LiveMessage message) {
    for (Object receiver : receivers) {
      LiveClient client = (LiveClient) receiver;
      if (!client.offer(message)) {
        detach(client);
      }
    }
  }

  private void append(LiveMessage message) {
    TopicPartition tp = message.topicPartition();
    next.put(tp, message.offset() + 1);
    replay.addLast(message);
    replayWeight += message.weight();
    while (!replay.isEmpty() && (replay.size() > replayRecords || replayWeight > replayBytes)) {
      LiveMessage dropped = replay.removeFirst();
      replayWeight -= dropped.weight();
      covered.put(dropped.topicPartition(), dropped.offset() + 1);
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
