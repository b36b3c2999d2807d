package io.poseidon.topology.errors;

/**
 * Thrown by a processor for a record it can read but must not apply (invalid field, unknown event
 * type). {@link DeadLetterProcessingHandler} sends the record to the dead-letter topic with this
 * message as the reason and processing goes on.
 */
public class RejectedRecordException extends RuntimeException {

  public RejectedRecordException(String reason) {
    super(reason);
  }
}
