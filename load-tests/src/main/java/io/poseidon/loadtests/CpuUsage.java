package io.poseidon.loadtests;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who kept the cores busy between two {@link Sample}s: this JVM (broker + node + generator), the
 * registry process, and the whole machine, from {@code /proc}. {@link #otherCores()} is what other
 * processes on the machine took meanwhile: on a shared machine it says how quiet the run was.
 * Values are in cores (1.0 = one core fully busy); NaN where {@code /proc} could not be read.
 * {@link #jitMillis()} is the JIT compilers' time meanwhile: a large value means the JVM was still
 * warming up.
 */
public record CpuUsage(long jvmCpuNanos, long wallNanos, double jvmCores, double registryCores, double machineCores,
    long jitMillis) {

  /** Counters at one moment. Ticks are {@code /proc/stat} clock ticks, summed over all CPUs. */
  public record Sample(long nanoTime, long jvmCpuNanos, long machineTotalTicks, long machineBusyTicks,
      long registryTicks, long jitMillis) {}

  public static Sample sample(long registryPid) {
    long[] machine = machineTicks();
    return new Sample(System.nanoTime(), ProcessStats.processCpuNanos(), machine[0], machine[1],
        processTicks(Path.of("/proc", Long.toString(registryPid), "stat")), jitMillisSoFar());
  }

  public static CpuUsage between(Sample from, Sample to) {
    long wall = to.nanoTime() - from.nanoTime();
    long jvm = from.jvmCpuNanos() < 0 ? -1 : to.jvmCpuNanos() - from.jvmCpuNanos();
    double total = to.machineTotalTicks() - from.machineTotalTicks();
    int cpus = Runtime.getRuntime().availableProcessors();
    boolean machineKnown = from.machineTotalTicks() >= 0 && total > 0;
    double machine = machineKnown ? cpus * (to.machineBusyTicks() - from.machineBusyTicks()) / total : Double.NaN;
    double registry = machineKnown && from.registryTicks() >= 0 && to.registryTicks() >= 0
        ? cpus * (to.registryTicks() - from.registryTicks()) / total : Double.NaN;
    long jit = from.jitMillis() < 0 ? -1 : to.jitMillis() - from.jitMillis();
    return new CpuUsage(jvm, wall, jvm < 0 || wall <= 0 ? Double.NaN : (double) jvm / wall, registry, machine, jit);
  }

  /** What the cores did over {@code over} while the benchmark sends nothing (the idle baseline of a report). */
  public static CpuUsage idle(long registryPid, java.time.Duration over) throws InterruptedException {
    Sample before = sample(registryPid);
    Thread.sleep(over.toMillis());
    return between(before, sample(registryPid));
  }

  /** Cores used by every other process of the machine (other builds, tests, ...). */
  public double otherCores() {
    return Math.max(0, machineCores - jvmCores - registryCores);
  }

  /** Time the JIT compilers spent so far (all compiler threads), or -1. */
  static long jitMillisSoFar() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
  }

  /** {@code [total, busy]} ticks of the {@code cpu} line of {@code /proc/stat}, or {@code [-1, -1]}. */
  static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal (guest and guest_nice are already in user)
      long user = Long.parseLong(f[1]);
      long nice = Long.parseLong(f[2]);
      long system = Long.parseLong(f[3]);
      long idle = Long.parseLong(f[4]);
      long iowait = Long.parseLong(f[5]);
      long irq = Long.parseLong(f[6]);
      long softirq = Long.parseLong(f[7]);
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      long busy = user + nice + system + irq + softirq + steal;
      return new long[] {busy + idle + iowait, busy};
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  /** utime + stime of a {@code /proc/<pid>/stat} file in clock ticks, or -1. */
  static long processTicks(Path stat) {
    try {
      String line = Files.readString(stat);
      String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split("\\s+");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
