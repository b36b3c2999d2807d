package io.poseidon.loadtests;

import java.util.concurrent.Callable;

/** How a benchmark's {@code main} ends: its status, or 1 with the failure printed. */
final class BenchmarkMain {

  private BenchmarkMain() {}

  /**
   * Runs {@code benchmark} and exits with its status — also when a half-started broker or client leaves
   * non-daemon threads behind; a failure prints its stack trace and exits 1.
   */
  static void exit(Callable<Integer> benchmark) {
    int status;
    try {
      status = benchmark.call();
    } catch (Throwable t) {
      System.err.println("bench: the benchmark failed: " + t);
      t.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }
}
