package io.poseidon.loadtests;

import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;

/**
 * How fast a consumer group works through a topic written beforehand: the slope of its committed offsets
 * between 10 % and 90 % of the input (start-up and the last commit are not in it), in records per second.
 */
final class CommittedRate {

  private CommittedRate() {}

  /**
   * Polls the group's lag on {@code topic} every 100 ms until it is 0 or {@code timeout} passed.
   *
   * @return records/s between 10 % and 90 % of {@code total}; NaN when the group did not get that far
   */
  static double await(Admin admin, String group, String topic, long total, Duration timeout)
      throws InterruptedException {
    long t0 = System.nanoTime();
    long t10 = -1;
    long t90 = -1;
    long c10 = 0;
    long c90 = 0;
    long deadline = t0 + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      long lag = ConsumerLag.of(admin, group, topic);
      long done = lag < 0 ? 0 : total - lag;
      long now = System.nanoTime();
      if (t10 < 0 && done >= total / 10) {
        t10 = now;
        c10 = done;
      }
      if (t90 < 0 && done >= total * 9 / 10) {
        t90 = now;
        c90 = done;
      }
      if (lag == 0) {
        break;
      }
      Thread.sleep(100);
    }
    return t90 > t10 && t10 > 0 ? (c90 - c10) / ((t90 - t10) / 1e9) : Double.NaN;
  }
}
