package io.poseidon.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatsParsingTest {

  @TempDir
  Path dir;

  @Test
  void shouldReadUserPlusSystemTicksEvenWhenTheCommandNameHasSpacesAndParentheses() throws IOException {
    Path stat = Files.writeString(dir.resolve("stat"),
        "4242 (java (registry) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 40 0 999\n");

    assertEquals(1234 + 567, CpuUsage.processTicks(stat));
  }

  @Test
  void shouldReadResidentMemoryInBytes() throws IOException {
    Path status = Files.writeString(dir.resolve("status"),
        "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t  411200 kB\nRssAnon:\t 1 kB\n");

    assertEquals(411_200L * 1024, ProcessStats.rss(status));
  }

  @Test
  void shouldGiveMinusOneForAProcessThatIsGone() {
    assertEquals(-1, CpuUsage.processTicks(dir.resolve("no-such-pid")));
    assertEquals(-1, ProcessStats.rss(dir.resolve("no-such-pid")));
  }

  @Test
  void shouldSplitMachineCoresBetweenThisJvmTheRegistryAndOthers() {
    int cpus = Runtime.getRuntime().availableProcessors();
    // over 1 s: the machine had cpus * 100 ticks, cpus * 60 of them busy; the registry 10 ticks
    CpuUsage.Sample from = new CpuUsage.Sample(0, 0, 0, 0, 0, 0);
    CpuUsage.Sample to = new CpuUsage.Sample(1_000_000_000L, 300_000_000L, cpus * 100L, cpus * 60L, 10, 5);

    CpuUsage usage = CpuUsage.between(from, to);

    assertEquals(0.3, usage.jvmCores(), 1e-9);
    assertEquals(0.6 * cpus, usage.machineCores(), 1e-9);
    assertEquals(0.1, usage.registryCores(), 1e-9);
    assertEquals(0.6 * cpus - 0.4, usage.otherCores(), 1e-9);
  }
}
