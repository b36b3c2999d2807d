package io.poseidon.gateway.live;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a live stream is, per partition of its topics: the next offset to deliver (Kafka's committed
 * offset convention — one past the last event delivered). Written as {@code topic:partition:offset}
 * entries joined by commas, e.g. {@code harbor.deployment-events:0:13,harbor.deployment-events:1:7}; it is
 * the SSE {@code id:} of every event and what {@code Last-Event-ID} or {@code ?from=} resume from.
 */
public final class StreamPosition {

  private final Map<TopicPartition, Long> next;

  private StreamPosition(Map<TopicPartition, Long> next) {
    this.next = Collections.unmodifiableMap(next);
  }

  public static StreamPosition of(Map<TopicPartition, Long> next) {
    Map<TopicPartition, Long> sorted = new TreeMap<>(StreamPosition::compare);
    sorted.putAll(next);
    return new StreamPosition(sorted);
  }

  /** Parses {@code text}; throws IllegalArgumentException saying what is wrong. */
  public static StreamPosition parse(String text) {
    Map<TopicPartition, Long> next = new TreeMap<>(StreamPosition::compare);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty position");
    }
    for (String entry : text.split(",", -1)) {
      int second = entry.lastIndexOf(':');
      int first = second < 0 ? -1 : entry.lastIndexOf(':', second - 1);
      if (first <= 0) {
        throw new IllegalArgumentException("'" + abbreviate(entry) + "' is not topic:partition:offset");
      }
      String topic = entry.substring(0, first);
      int partition;
      long offset;
      try {
        partition = Integer.parseInt(entry.substring(first + 1, second));
        offset = Long.parseLong(entry.substring(second + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + abbreviate(entry) + "' is not topic:partition:offset (numbers)");
      }
      if (partition < 0 || offset < 0) {
        throw new IllegalArgumentException("'" + abbreviate(entry) + "': partition and offset must be >= 0");
      }
      if (next.put(new TopicPartition(topic, partition), offset) != null) {
        throw new IllegalArgumentException("partition " + topic + ":" + partition + " named twice");
      }
    }
    return new StreamPosition(next);
  }

  /** The next offset of every partition it names. */
  public Map<TopicPartition, Long> next() {
    return next;
  }

  public Set<String> topics() {
    Set<String> topics = new java.util.TreeSet<>();
    next.keySet().forEach(tp -> topics.add(tp.topic()));
    return topics;
  }

  @Override
  public String toString() {
    return format(next);
  }

  /** The text form of {@code next} (entries in topic, partition order when the map is sorted so). */
  public static String format(Map<TopicPartition, Long> next) {
    StringBuilder out = new StringBuilder(next.size() * 32);
    next.forEach((tp, offset) -> {
      if (!out.isEmpty()) {
        out.append(',');
      }
      out.append(tp.topic()).append(':').append(tp.partition()).append(':').append(offset);
    });
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StreamPosition p && p.next.equals(next);
  }

  @Override
  public int hashCode() {
    return next.hashCode();
  }

  static int compare(TopicPartition a, TopicPartition b) {
    int byTopic = a.topic().compareTo(b.topic());
    return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
