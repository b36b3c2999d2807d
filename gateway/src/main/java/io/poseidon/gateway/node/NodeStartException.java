package io.poseidon.gateway.node;

/** A node cannot start; the message says why and what to do. */
public class NodeStartException extends RuntimeException {

  public NodeStartException(String message) {
    super(message);
  }

  public NodeStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
