package io.poseidon.loadtests;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Path C, end-to-end visibility: for a sample of registrations (a fresh instance id each, so it
 * cannot already be there), polls {@code GET /api/v1/services/{service}/instances/{id}} every
 * {@value #POLL_MILLIS} ms after the {@code 202} until it answers {@code 200}, and records
 * first-200 time minus the registration's intended send time. Resolution: the poll interval. An
 * instance still not visible {@link #TIMEOUT} after its 202 counts as a timeout.
 */
public final class VisibilityProbe {

  static final long POLL_MILLIS = 10;
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** What the probe saw over a phase. */
  public record Result(Histogram latencyMicros, long timeouts, Map<String, Long> unexpected, long polls) {}

  private final Vertx vertx;
  private final HttpClient http;
  private final int port;
  private final int every;
  private final Recorder latencies = new Recorder(3);
  private final LongAdder timeouts = new LongAdder();
  private final Map<String, LongAdder> unexpected = new ConcurrentHashMap<>();
  private final AtomicInteger watching = new AtomicInteger();
  private final LongAdder polls = new LongAdder();

  VisibilityProbe(Vertx vertx, HttpClient http, int port, int every) {
    this.vertx = vertx;
    this.http = http;
    this.port = port;
    this.every = every;
  }

  /** Whether {@code request} is one to probe: every N-th measured request. */
  public boolean samples(LoadTarget.Request request) {
    return every > 0 && request.measured() && request.index() % every == 0;
  }

  /** Starts polling for the instance registered by a request intended at {@code intendedNanos}; call it on the event loop. */
  public void watch(String service, String instanceId, long intendedNanos) {
    watching.incrementAndGet();
    poll("/api/v1/services/" + service + "/instances/" + instanceId, intendedNanos, System.nanoTime() + TIMEOUT.toNanos());
  }

  private void poll(String path, long intendedNanos, long giveUpNanos) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(GatewayTarget.HOST)
        .setPort(port).setURI(path).setConnectTimeout(5_000).setIdleTimeout(5_000);
    polls.increment();
    http.request(options)
        .compose(req -> req.send().compose(response -> response.body().map(ignored -> response.statusCode())))
        .onComplete(result -> {
          long now = System.nanoTime();
          if (result.succeeded() && result.result() == 200) {
            latencies.recordValue(OpenModelSchedule.latencyMicros(intendedNanos, now));
            watching.decrementAndGet();
            return;
          }
          if (result.failed() || result.result() != 404) {
            String label = result.failed() ? Outcome.of(result.cause()).label() : result.result().toString();
            unexpected.computeIfAbsent(label, l -> new LongAdder()).increment();
          }
          if (now - giveUpNanos > 0) {
            timeouts.increment();
            watching.decrementAndGet();
          } else {
            vertx.setTimer(POLL_MILLIS, id -> poll(path, intendedNanos, giveUpNanos));
          }
        });
  }

  /**
   * Waits (at most {@link #TIMEOUT}) for the instances still being watched, then returns what was
   * seen; an instance still not visible counts as a timeout.
   */
  public Result finish() {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (watching.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(20_000_000L);
    }
    Map<String, Long> unexpectedCounts = new TreeMap<>();
    unexpected.forEach((label, n) -> unexpectedCounts.put(label, n.sum()));
    return new Result(latencies.getIntervalHistogram(), timeouts.sum() + watching.get(), unexpectedCounts,
        polls.sum());
  }
}
