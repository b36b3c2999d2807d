package io.poseidon.processors.lighthouse;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import io.poseidon.schemas.lighthouse.SeriesAggregate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * A window of a series while lighthouse works on it: exact count, sum, min and max, and a DDSketch
 * (relative accuracy {@value #RELATIVE_ACCURACY}, at most {@value #MAX_BINS} bins, collapsing the lowest
 * ones beyond that) for quantiles. Windows merge exactly (sketches are mergeable): a 1 min window is its
 * 10 s windows merged, a query step of 5 min is five 1 min windows merged. Stored, the sketch is DDSketch's
 * own binary encoding (bins as varints: tens of bytes for a narrow series, at most a few KB).
 */
public final class Aggregate {

  public static final double RELATIVE_ACCURACY = 0.01;
  public static final int MAX_BINS = 2048;

  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private final DDSketch sketch;

  public Aggregate() {
    this.sketch = DDSketches.collapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
  }

  public static Aggregate of(SeriesAggregate stored) {
    Aggregate a = new Aggregate();
    if (stored != null) {
      a.merge(stored);
    }
    return a;
  }

  public void add(double value) {
    count++;
    sum += value;
    if (value < min) {
      min = value;
    }
    if (value > max) {
      max = value;
    }
    sketch.accept(value);
  }

  public void merge(Aggregate other) {
    if (other.count == 0) {
      return;
    }
    count += other.count;
    sum += other.sum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    sketch.mergeWith(other.sketch);
  }

  public void merge(SeriesAggregate stored) {
    if (stored == null || stored.getCount() == 0) {
      return;
    }
    count += stored.getCount();
    sum += stored.getSum();
    min = Math.min(min, stored.getMin());
    max = Math.max(max, stored.getMax());
    ByteBuffer bytes = stored.getSketch();
    try {
      byte[] array = new byte[bytes.remaining()];
      bytes.duplicate().get(array);
      sketch.decodeAndMergeWith(ByteArrayInput.wrap(array));
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable sketch in a stored window", e);
    }
  }

  /** The stored form: the sketch in DDSketch's own compact binary encoding (what decodeAndMergeWith reads). */
  public SeriesAggregate toRecord() {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(64);
    try {
      sketch.encode(out, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SeriesAggregate(count, sum, count == 0 ? 0 : min, count == 0 ? 0 : max,
        ByteBuffer.wrap(out.trimmedCopy()));
  }

  public long count() {
    return count;
  }

  public double sum() {
    return sum;
  }

  public double min() {
    return min;
  }

  public double max() {
    return max;
  }

  public boolean isEmpty() {
    return count == 0;
  }

  /** The statistic; NaN for an empty window. */
  public double stat(Stat stat) {
    if (count == 0) {
      return stat == Stat.COUNT || stat == Stat.SUM ? 0 : Double.NaN;
    }
    return switch (stat) {
      case COUNT -> count;
      case SUM -> sum;
      case MIN -> min;
      case MAX -> max;
      case AVG -> sum / count;
      // a sketch's quantile is within 1% of a value of the data; clamp to what was seen
      default -> Math.max(min, Math.min(max, sketch.getValueAtQuantile(stat.quantile)));
    };
  }
}
