package io.poseidon.processors.lighthouse;

import java.time.Duration;

/**
 * The window sizes lighthouse keeps per series: 10 s windows from the points, 1 min and 1 h windows
 * rolled up from them by merging their sketches. Each has its own window store and retention.
 */
public enum Resolution {
  TEN_SECONDS(Duration.ofSeconds(10), "lighthouse-10s-store"),
  ONE_MINUTE(Duration.ofMinutes(1), "lighthouse-1m-store"),
  ONE_HOUR(Duration.ofHours(1), "lighthouse-1h-store");

  public final Duration size;
  public final long sizeMs;
  public final String store;

  Resolution(Duration size, String store) {
    this.size = size;
    this.sizeMs = size.toMillis();
    this.store = store;
  }

  public long windowStart(long time) {
    return time - Math.floorMod(time, sizeMs);
  }

  public Duration retention(LighthouseConfig config) {
    return switch (this) {
      case TEN_SECONDS -> config.retention10s();
      case ONE_MINUTE -> config.retention1m();
      case ONE_HOUR -> config.retention1h();
    };
  }

  /** The coarsest resolution a step is a whole multiple of; null when the step is not a multiple of 10 s. */
  public static Resolution forStep(Duration step) {
    long ms = step.toMillis();
    for (int i = values().length - 1; i >= 0; i--) {
      if (ms % values()[i].sizeMs == 0 && ms >= values()[i].sizeMs) {
        return values()[i];
      }
    }
    return null;
  }
}
