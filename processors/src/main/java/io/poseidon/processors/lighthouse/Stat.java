package io.poseidon.processors.lighthouse;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The statistics a query or a rule asks of a window: count, sum, min, max, avg and quantiles. */
public enum Stat {
  COUNT(-1), SUM(-1), MIN(-1), MAX(-1), AVG(-1), P50(0.50), P90(0.90), P95(0.95), P99(0.99);

  final double quantile;

  Stat(double quantile) {
    this.quantile = quantile;
  }

  /** The API name: count, p99 ... */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Stat> parse(String s) {
    if (s == null) {
      return Optional.empty();
    }
    return Arrays.stream(values()).filter(v -> v.apiName().equals(s.toLowerCase(Locale.ROOT))).findFirst();
  }

  public static String names() {
    return String.join(", ", Arrays.stream(values()).map(Stat::apiName).toList());
  }
}
