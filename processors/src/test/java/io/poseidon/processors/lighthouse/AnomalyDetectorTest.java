package io.poseidon.processors.lighthouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.lighthouse.AnomalyKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The detector on generated series with known anomalies (a spike, a level shift and a slow drift per
 * series, in Gaussian noise), scored by precision (findings that are a real anomaly) and recall (anomalies
 * found). The numbers are printed and asserted; docs/observability.md quotes them.
 */
class AnomalyDetectorTest {

  private static final int SERIES = 60;
  private static final int WINDOWS = 700;

  record Truth(AnomalyKind kind, int from, int to) {}

  @Test
  void shouldFindSpikesShiftsAndDriftsWithHighPrecisionAndRecall() {
    AnomalyDetector detector = new AnomalyDetector(LighthouseConfig.defaults().anomalySensitivity(),
        LighthouseConfig.defaults().anomalyWarmup());
    Random random = new Random(42);
    Map<AnomalyKind, int[]> found = new EnumMap<>(AnomalyKind.class); // kind → {detected, injected}
    int findings = 0;
    int falseFindings = 0;
    for (int s = 0; s < SERIES; s++) {
      double level = 50 + 450 * random.nextDouble();
      double sigma = level * 0.05;
      int spike = 80 + random.nextInt(100);
      int shift = 250 + random.nextInt(100);
      int drift = 450 + random.nextInt(100);
      List<Truth> truths = List.of(new Truth(AnomalyKind.SPIKE, spike, spike),
          new Truth(AnomalyKind.SHIFT, shift, shift + 2), new Truth(AnomalyKind.DRIFT, drift, drift + 100));
      boolean[] detected = new boolean[truths.size()];
      double sign = random.nextBoolean() ? 1 : -1;
      AnomalyDetector.State state = AnomalyDetector.State.EMPTY;
      double offset = 0;
      for (int t = 0; t < WINDOWS; t++) {
        if (t == shift) {
          offset += sign * 8 * sigma;
        }
        if (t >= drift && t < drift + 80) {
          offset += 0.15 * sigma; // 12 sigma over 80 windows, never more than 0.15 sigma per window
        }
        double x = level + offset + sigma * random.nextGaussian() + (t == spike ? -sign * 10 * sigma : 0);
        AnomalyDetector.Step step = detector.next(state, x);
        state = step.state();
        if (step.finding() == null) {
          continue;
        }
        findings++;
        boolean real = false;
        for (int i = 0; i < truths.size(); i++) {
          Truth truth = truths.get(i);
          if (t >= truth.from() && t <= truth.to()) {
            real = true;
            detected[i] = true;
          }
        }
        if (!real) {
          falseFindings++;
        }
      }
      for (int i = 0; i < truths.size(); i++) {
        int[] counts = found.computeIfAbsent(truths.get(i).kind(), k -> new int[2]);
        counts[0] += detected[i] ? 1 : 0;
        counts[1]++;
      }
    }
    double precision = (findings - falseFindings) / (double) findings;
    int detectedAll = found.values().stream().mapToInt(c -> c[0]).sum();
    int injectedAll = found.values().stream().mapToInt(c -> c[1]).sum();
    double recall = detectedAll / (double) injectedAll;
    StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
        "anomaly detection on %d series x %d windows: precision %.3f (%d of %d findings real), recall %.3f",
        SERIES, WINDOWS, precision, findings - falseFindings, findings, recall));
    found.forEach((kind, c) -> report.append(String.format(Locale.ROOT, "; %s %d/%d", kind, c[0], c[1])));
    System.out.println(report);
    assertTrue(precision >= 0.9, report.toString());
    assertTrue(recall >= 0.9, report.toString());
    found.forEach((kind, c) -> assertTrue(c[0] >= 0.8 * c[1], kind + ": " + report));
  }

  @Test
  void shouldJudgeNothingBeforeTheWarmupAndNothingOnAFlatSeries() {
    AnomalyDetector detector = new AnomalyDetector(6, 12);
    AnomalyDetector.State state = AnomalyDetector.State.EMPTY;
    List<AnomalyDetector.Finding> findings = new ArrayList<>();
    for (int t = 0; t < 11; t++) {
      AnomalyDetector.Step step = detector.next(state, t == 5 ? 1e6 : 10);
      assertNull(step.finding(), "warming up");
      state = step.state();
    }
    state = AnomalyDetector.State.EMPTY;
    for (int t = 0; t < 500; t++) {
      AnomalyDetector.Step step = detector.next(state, 100);
      state = step.state();
      if (step.finding() != null) {
        findings.add(step.finding());
      }
    }
    assertEquals(List.of(), findings);
    AnomalyDetector.Step spike = detector.next(state, 130);
    assertEquals(AnomalyKind.SPIKE, spike.finding().kind(), "a flat series: any clear jump is an anomaly");
  }
}
