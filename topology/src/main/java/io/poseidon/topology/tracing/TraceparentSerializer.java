package io.poseidon.topology.tracing;

import io.poseidon.schemas.common.EventMeta;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A value serializer that writes, beside the bytes, the event's traceparent as the Kafka header
 * {@value Tracing#HEADER}: when the event's meta has one, the header says what the meta says (one
 * copied from the input record by Kafka Streams is replaced). Values that are not event envelopes, and
 * events without a traceparent, leave the headers as they are. {@code SerdeFactory} wraps
 * every value serializer in it, so the gateway's producer and every topology's sinks write the header
 * without a line of their own: a consumer that reads only headers (an OpenTelemetry Kafka
 * instrumentation, a Connect sink) follows the trace too.
 */
public final class TraceparentSerializer<T> implements Serializer<T> {

  private final Serializer<T> delegate;

  public TraceparentSerializer(Serializer<T> delegate) {
    this.delegate = delegate;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    delegate.configure(configs, isKey);
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return delegate.serialize(topic, data);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, T data) {
    byte[] bytes = delegate.serialize(topic, headers, data);
    EventMeta meta = Tracing.metaOf(data);
    if (meta != null && meta.getTraceparent() != null && headers != null) {
      headers.remove(Tracing.HEADER);
      headers.add(Tracing.HEADER, meta.getTraceparent().getBytes(StandardCharsets.UTF_8));
    }
    return bytes;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
