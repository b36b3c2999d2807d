package io.poseidon.gateway.live;

import io.vertx.core.Context;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * One connected client of the live stream (an SSE response or a WebSocket). Feeds {@link #offer} it the
 * events of its topics from their threads; it keeps the ones its filter takes in a bounded queue and
 * writes them on its own Vert.x context as fast as the connection takes them. A client that falls more
 * than {@code maxQueued} events behind is closed with a reason ({@link Sink#evict}) instead of growing the
 * node's memory. It tracks its own {@link StreamPosition}: an event at or before the position of its
 * partition is dropped, so catching up and going live never deliver one twice.
 */
public final class LiveClient {

  /** Where a client's messages go: an SSE response or a WebSocket. Called on the client's context only. */
  public interface Sink {
    /** Adds one event; {@link #flush} sends what was added. */
    void write(LiveMessage message, String position);

    void flush();

    boolean writeQueueFull();

    void onDrain(Runnable drained);

    void heartbeat();

    /** Closes the connection saying why (SSE comment / WebSocket close 1008). */
    void evict(String reason);
  }

  private final Context context;
  private final Sink sink;
  private final StreamFilter filter;
  private final int maxQueued;
  private final Set<String> topics;
  private final ConcurrentLinkedQueue<LiveMessage> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean waitingForDrain = new AtomicBoolean();
  private volatile boolean closed;
  /** Next offset per partition (written on the context only, after the start positions are set). */
  private final Map<TopicPartition, Long> next = new TreeMap<>(StreamPosition::compare);
  private long delivered;

  public LiveClient(Context context, Sink sink, StreamFilter filter, int maxQueued, Set<String> topics) {
    this.context = context;
    this.sink = sink;
    this.filter = filter;
    this.maxQueued = maxQueued;
    this.topics = Set.copyOf(topics);
  }

  public Set<String> topics() {
    return topics;
  }

  /** The record keys it asked for (empty: all): the feed offers it only those. */
  Set<String> keys() {
    return filter.keys();
  }

  /**
   * Sets where the client starts on the partitions of a topic (called by the feed while it attaches the
   * client, before any event of the topic is offered).
   */
  void startAt(Map<TopicPartition, Long> offsets) {
    synchronized (next) {
      offsets.forEach(next::putIfAbsent);
    }
  }

  /** False once the client is closed: the feed stops offering it anything. */
  boolean offer(LiveMessage message) {
    if (closed) {
      return false;
    }
    if (!filter.matches(message)) {
      return true;
    }
    if (queued.incrementAndGet() > maxQueued) {
      closed = true;
      context.runOnContext(v -> sink.evict("slow consumer: more than " + maxQueued
          + " events waiting (http.stream.client-buffer); reconnect with the last id to resume"));
      return false;
    }
    queue.add(message);
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> drain());
    }
    return true;
  }

  private void drain() {
    scheduled.set(false);
    if (closed) {
      return;
    }
    LiveMessage m;
    int batch = 0;
    while (!sink.writeQueueFull() && (m = queue.poll()) != null) {
      queued.decrementAndGet();
      String position;
      synchronized (next) {
        TopicPartition tp = m.topicPartition();
        Long expected = next.get(tp);
        if (expected != null && m.offset() < expected) {
          continue; // already delivered (caught up, then the same event live)
        }
        next.put(tp, m.offset() + 1);
        position = StreamPosition.format(next);
      }
      delivered++;
      sink.write(m, position);
      if (++batch == 64) {
        sink.flush();
        batch = 0;
      }
    }
    sink.flush();
    if (!queue.isEmpty()) {
      if (sink.writeQueueFull()) {
        if (waitingForDrain.compareAndSet(false, true)) {
          sink.onDrain(() -> {
            waitingForDrain.set(false);
            drain();
          });
        }
      } else if (scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }
  }

  /** The client's position now (an SSE client's last id says the same). */
  public StreamPosition position() {
    synchronized (next) {
      return StreamPosition.of(next);
    }
  }

  public void heartbeat() {
    if (!closed) {
      sink.heartbeat();
    }
  }

  public boolean closed() {
    return closed;
  }

  /** The connection ended. */
  public void close() {
    closed = true;
    queue.clear();
  }

  public long delivered() {
    return delivered;
  }

  public int queued() {
    return Math.max(0, queued.get());
  }
}
