package io.poseidon.loadtests;

import java.util.concurrent.CompletionException;

/**
 * How one request ended: {@code ok} when it did what it was asked (an acknowledged record, a
 * {@code 202}); {@code label} names the result for the report ({@code "202"}, {@code "503"},
 * {@code "TimeoutException"}, ...).
 */
public record Outcome(boolean ok, String label) {

  public static Outcome ok(String label) {
    return new Outcome(true, label);
  }

  public static Outcome failed(String label) {
    return new Outcome(false, label);
  }

  /** A failure named after the exception (unwrapping the wrappers futures add). */
  public static Outcome of(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return failed(cause.getClass().getSimpleName());
  }
}
