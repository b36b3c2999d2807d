package io.poseidon.loadtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The highest rate a path sustains: open-model steps at rising rates (×{@code factor} each) until the
 * p99 latency goes above {@code p99LimitMs}, the achieved rate falls below 95% of the target, or a
 * request fails. The saturation rate is the last step that held.
 */
final class SaturationSearch {

  static final double ACHIEVED_SHARE = 0.95;

  /** One step: the target rate and what it got. */
  record Step(int rate, double achievedPerSecond, double p99Millis, long failures, long unsent, boolean held,
      double jvmCores, long depthsLagAfter) {}

  /** The steps of one path, and the last rate that held (0 when none did). */
  record Result(String path, List<Step> steps, int saturationRate) {}

  /** What runs between steps (the Poseidon path waits for depths to drain its input). */
  interface BetweenSteps {
    long afterStep() throws InterruptedException;
  }

  private SaturationSearch() {}

  static Result run(String path, OpenModelLoad load, LoadTarget target, int start, double factor, int max,
      Duration warmup, Duration measured, double p99LimitMs, long registryPid, BetweenSteps between)
      throws InterruptedException {
    List<Step> steps = new ArrayList<>();
    int saturation = 0;
    for (int rate = start; rate <= max; rate = (int) Math.ceil(rate * factor)) {
      CpuUsage.Sample before = CpuUsage.sample(registryPid);
      PhaseResult r = load.run(path, new OpenModelSchedule(rate, warmup, measured), target);
      CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
      long lag = between.afterStep();
      boolean held = r.achievedPerSecond() >= ACHIEVED_SHARE * rate && r.latencyMillis(99) <= p99LimitMs
          && r.measuredFailureCount() == 0 && r.unsent() == 0;
      steps.add(new Step(rate, r.achievedPerSecond(), r.latencyMillis(99), r.measuredFailureCount(), r.unsent(), held,
          cpu.jvmCores(), lag));
      System.out.printf(java.util.Locale.ROOT, "[bench] saturation %-9s %6d req/s: achieved %.0f/s p99 %.1f ms failed %d "
          + "unsent %d, JVM %.2f cores%s%n", path, rate, r.achievedPerSecond(), r.latencyMillis(99),
          r.measuredFailureCount(), r.unsent(), cpu.jvmCores(), held ? "" : "  <- saturated");
      if (!held) {
        break;
      }
      saturation = rate;
    }
    return new Result(path, steps, saturation);
  }

  static String markdown(Result raw, Result poseidon, double p99LimitMs) {
    StringBuilder out = new StringBuilder("\n## Saturation\n\n");
    out.append("Open-model steps at rising rates until p99 > ").append((int) p99LimitMs)
        .append(" ms, the achieved rate < ").append((int) (ACHIEVED_SHARE * 100))
        .append(" % of the target, or a request fails; the saturation rate is the last step that held.\n\n");
    out.append("| path | saturation (req/s) |\n|---|---:|\n");
    out.append("| raw-kafka | ").append(raw.saturationRate()).append(" |\n");
    out.append("| poseidon | ").append(poseidon.saturationRate()).append(" |\n");
    out.append("| **ratio poseidon / raw** | **").append(raw.saturationRate() == 0 ? "-"
        : String.format(java.util.Locale.ROOT, "%.2f", (double) poseidon.saturationRate() / raw.saturationRate()))
        .append("** |\n\n");
    out.append("| path | target req/s | achieved req/s | p99 ms | failed | unsent | JVM cores | depths lag after | held |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Result r : List.of(raw, poseidon)) {
      for (Step s : r.steps()) {
        out.append("| ").append(r.path()).append(" | ").append(s.rate()).append(" | ")
            .append(String.format(java.util.Locale.ROOT, "%.0f", s.achievedPerSecond())).append(" | ")
            .append(String.format(java.util.Locale.ROOT, "%.1f", s.p99Millis())).append(" | ").append(s.failures())
            .append(" | ").append(s.unsent()).append(" | ")
            .append(String.format(java.util.Locale.ROOT, "%.2f", s.jvmCores())).append(" | ")
            .append(s.depthsLagAfter() < 0 ? "-" : Long.toString(s.depthsLagAfter())).append(" | ")
            .append(s.held() ? "yes" : "**no**").append(" |\n");
      }
    }
    return out.toString();
  }
}
