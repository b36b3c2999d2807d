package io.poseidon.loadtests;

import java.util.concurrent.CompletionStage;

/** What an {@link OpenModelLoad} sends requests to. */
@FunctionalInterface
public interface LoadTarget {

  /** One scheduled request: its index, its intended send time ({@code System.nanoTime()} scale), its phase. */
  record Request(long index, long intendedNanos, boolean measured) {}

  /**
   * Starts the request without waiting for it and returns how it ends. Called from the generator's
   * single sending thread: it must not block for longer than the request takes to hand over (any
   * blocking delays later requests, which is then charged to them).
   */
  CompletionStage<Outcome> fire(Request request);
}
