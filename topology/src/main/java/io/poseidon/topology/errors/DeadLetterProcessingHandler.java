package io.poseidon.topology.errors;

import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record whose processing throws goes to the dead-letter topic (original source bytes) and the
 * topology keeps running. Processors signal a bad but readable record by throwing
 * {@link RejectedRecordException} with the reason.
 */
public class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
  private DeadLetters.Target target;

  @Override
  public void configure(Map<String, ?> configs) {
    target = DeadLetters.Target.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (exception instanceof RejectedRecordException) {
      log.info("Record {}-{}@{} rejected by {} and sent to {}: {}", context.topic(), context.partition(),
          context.offset(), context.processorNodeId(), target.topic(), exception.getMessage());
    } else {
      log.warn("Processing of {}-{}@{} failed in {}; record sent to {}", context.topic(), context.partition(),
          context.offset(), context.processorNodeId(), target.topic(), exception);
    }
    return Response.resume(DeadLetters.record(target, "processing", context.sourceRawKey(),
        context.sourceRawValue(), context, exception));
  }
}
