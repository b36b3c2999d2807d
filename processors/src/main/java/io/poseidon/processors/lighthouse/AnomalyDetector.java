package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.AnomalyKind;

/**
 * Streaming anomaly detection on a series' 10 s window means, one window at a time, with state small
 * enough to keep per series (it lives in the series' {@code SeriesInfo}):
 * <ul>
 *   <li>baseline: an EWMA of the means and an EWMA of absolute deviations from it (robust: an anomalous
 *       window does not move it, a normal one moves the deviation by a clipped amount);</li>
 *   <li>score: robust z = (mean − baseline) / deviation; above the sensitivity it is a SPIKE, and a second
 *       window in a row on the same side a SHIFT (the baseline then jumps to the new level, so a level
 *       shift is reported once, not for every window after it);</li>
 *   <li>drift: two-sided CUSUM of the clipped z-scores (slack {@value #CUSUM_SLACK}); a sum beyond
 *       {@code 2 × sensitivity} is a DRIFT, and the baseline restarts at the current level.</li>
 * </ul>
 * No window is judged before the baseline has seen {@code warmup} windows.
 */
public final class AnomalyDetector {

  static final double ALPHA = 0.1;
  static final double CUSUM_SLACK = 0.5;
  static final double Z_CLIP = 4;

  /** The per-series state: baseline mean, deviation, windows seen, CUSUM sums, last anomaly direction. */
  public record State(double mean, double deviation, int windows, double driftUp, double driftDown, int lastSign) {
    public static final State EMPTY = new State(0, 0, 0, 0, 0, 0);
  }

  /** An anomalous window. */
  public record Finding(AnomalyKind kind, double score, double baseline) {}

  /** The outcome of one window: the new state, and a finding when the window is anomalous. */
  public record Step(State state, Finding finding) {}

  private final double sensitivity;
  private final int warmup;

  public AnomalyDetector(double sensitivity, int warmup) {
    this.sensitivity = sensitivity;
    this.warmup = warmup;
  }

  public Step next(State s, double x) {
    if (!Double.isFinite(x)) {
      return new Step(s, null);
    }
    if (s.windows() < warmup) {
      if (s.windows() == 0) {
        return new Step(new State(x, 0, 1, 0, 0, 0), null);
      }
      double a = Math.max(ALPHA, 1.0 / (s.windows() + 1));
      double mean = s.mean() + a * (x - s.mean());
      double dev = s.deviation() + a * (Math.abs(x - s.mean()) - s.deviation());
      return new Step(new State(mean, dev, s.windows() + 1, 0, 0, 0), null);
    }
    double scale = Math.max(s.deviation(), 1e-9 + 1e-3 * Math.abs(s.mean()));
    double residual = x - s.mean();
    double z = residual / scale;
    int sign = z > 0 ? 1 : -1;
    if (Math.abs(z) > sensitivity) {
      if (s.lastSign() == sign) {
        // the level moved and stays there: report once, and take the new level as the baseline
        return new Step(new State(x, s.deviation(), s.windows() + 1, 0, 0, 0),
            new Finding(AnomalyKind.SHIFT, z, s.mean()));
      }
      // an outlier: the baseline does not learn from it (a second one on the same side is a shift)
      return new Step(new State(s.mean(), s.deviation(), s.windows() + 1, s.driftUp(), s.driftDown(), sign),
          new Finding(AnomalyKind.SPIKE, z, s.mean()));
    }
    double zc = Math.max(-Z_CLIP, Math.min(Z_CLIP, z));
    double up = Math.max(0, s.driftUp() + zc - CUSUM_SLACK);
    double down = Math.min(0, s.driftDown() + zc + CUSUM_SLACK);
    double mean = s.mean() + ALPHA * residual;
    double dev = s.deviation() + ALPHA * (Math.min(Math.abs(residual), Z_CLIP * scale) - s.deviation());
    double limit = 2 * sensitivity;
    if (up > limit || down < -limit) {
      return new Step(new State(x, dev, s.windows() + 1, 0, 0, 0),
          new Finding(AnomalyKind.DRIFT, up > limit ? up : down, s.mean()));
    }
    return new Step(new State(mean, dev, s.windows() + 1, up, down, 0), null);
  }
}
