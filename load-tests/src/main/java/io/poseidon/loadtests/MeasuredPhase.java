package io.poseidon.loadtests;

/** One phase's load result with the CPU used while it ran and the memory right after. */
public record MeasuredPhase(PhaseResult load, CpuUsage cpu, ProcessStats.Memory memoryAfter) {

  /**
   * JVM CPU time per request sent, in microseconds, after taking away what the JVM burns when idle
   * ({@code idleJvmCores}, measured once without load): the cost of the work itself.
   */
  public double cpuMicrosPerRequest(double idleJvmCores) {
    if (cpu.jvmCpuNanos() < 0 || load.sent() == 0) {
      return Double.NaN;
    }
    return Math.max(0, cpu.jvmCpuNanos() - idleJvmCores * cpu.wallNanos()) / 1_000.0 / load.sent();
  }
}
