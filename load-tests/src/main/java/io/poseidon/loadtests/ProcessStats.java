package io.poseidon.loadtests;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Memory and CPU of this process (and of the registry child process), and what machine this is. */
public final class ProcessStats {

  /** Memory at one moment; -1 where it could not be read. */
  public record Memory(long rssBytes, long heapUsedAfterGcBytes, long heapCommittedBytes, long registryRssBytes) {}

  /** The machine and JVM the numbers come from. */
  public record Machine(int processors, String cpuModel, long memTotalBytes, String javaVersion, String vm,
      long maxHeapBytes, String os) {}

  private ProcessStats() {}

  /** Runs a full GC, then reads RSS ({@code VmRSS}) of this JVM and of {@code registryPid}, and the heap in use. */
  public static Memory memoryAfterGc(long registryPid) {
    System.gc();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new Memory(rss(Path.of("/proc/self/status")), heap.getUsed(), heap.getCommitted(),
        rss(Path.of("/proc", Long.toString(registryPid), "status")));
  }

  /** CPU time used by this JVM so far (all threads: broker, node, load generator), or -1. */
  public static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  public static Machine machine() {
    return new Machine(Runtime.getRuntime().availableProcessors(),
        field(Path.of("/proc/cpuinfo"), "model name").orElse("unknown"),
        field(Path.of("/proc/meminfo"), "MemTotal").map(ProcessStats::kiloBytes).orElse(-1L),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"),
        Runtime.getRuntime().maxMemory(),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
  }

  /** {@code VmRSS} of a {@code /proc/<pid>/status} file in bytes, -1 when unreadable. */
  static long rss(Path status) {
    return field(status, "VmRSS").map(ProcessStats::kiloBytes).orElse(-1L);
  }

  /** {@code "123456 kB"} in bytes. */
  static long kiloBytes(String value) {
    return Long.parseLong(value.trim().split("\\s+")[0]) * 1024;
  }

  private static java.util.Optional<String> field(Path file, String name) {
    try {
      List<String> lines = Files.readAllLines(file);
      return lines.stream()
          .filter(l -> l.startsWith(name) && l.indexOf(':') > 0 && l.substring(0, l.indexOf(':')).trim().equals(name))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }
}
