package io.poseidon.topology.errors;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output record that cannot be serialized, or is too large for the broker, goes to the
 * dead-letter topic with the input record's bytes and processing goes on. Any other production
 * error (authorization, broker unavailable past retries) fails the thread: the uncaught-exception
 * handler of the service lifecycle decides what happens next, nothing is silently skipped.
 */
public class DeadLetterProductionHandler implements ProductionExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);
  private DeadLetters.Target target;

  @Override
  public void configure(Map<String, ?> configs) {
    target = DeadLetters.Target.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
      Exception exception) {
    if (exception instanceof RecordTooLargeException) {
      log.warn("Output record to {} too large; input {}-{}@{} sent to {}", record.topic(), context.topic(),
          context.partition(), context.offset(), target.topic());
      return Response.resume(DeadLetters.record(target, "production", context.sourceRawKey(),
          context.sourceRawValue(), context, exception));
    }
    return Response.fail();
  }

  @Override
  public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
      Exception exception, SerializationExceptionOrigin origin) {
    log.warn("Output record to {} cannot be serialized ({}); input {}-{}@{} sent to {}", record.topic(), origin,
        context.topic(), context.partition(), context.offset(), target.topic());
    return Response.resume(DeadLetters.record(target, "production", context.sourceRawKey(),
        context.sourceRawValue(), context, exception));
  }
}
