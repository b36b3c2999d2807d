package io.poseidon.loadtests;

/** One phase's load result with the CPU used while it ran and the memory right after. */
public record MeasuredPhase(PhaseResult load, CpuUsage cpu, ProcessStats.Memory memoryAfter) {

  /**
   * This JVM's CPU time during the phase per request sent, in microseconds: everything the JVM did
   * (broker, node, generator, idle work, GC and JIT) divided by the requests. No idle baseline is
   * taken away: on a JVM that is still compiling, such a baseline is not stable enough to subtract.
   */
  public double cpuMicrosPerRequest() {
    return cpu.jvmCpuNanos() < 0 || load.sent() == 0 ? Double.NaN : cpu.jvmCpuNanos() / 1_000.0 / load.sent();
  }
}
