package io.poseidon.topology.errors;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A record that cannot be read goes to the dead-letter topic; the topology keeps running. */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
  private DeadLetters.Target target;

  @Override
  public void configure(Map<String, ?> configs) {
    target = DeadLetters.Target.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
      Exception exception) {
    log.warn("Unreadable record {}-{}@{} sent to {}: {}", context.topic(), context.partition(),
        context.offset(), target.topic(), exception.toString());
    return Response.resume(DeadLetters.record(target, "deserialization", record.key(), record.value(),
        context, exception));
  }
}
