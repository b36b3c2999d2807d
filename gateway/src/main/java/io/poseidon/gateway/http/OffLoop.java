package io.poseidon.gateway.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool for work that must not run on an event loop (store reads, Avro→JSON rendering,
 * handing records to the Kafka producer): a fixed number of threads and a queue of fixed capacity.
 * The result completes back on the caller's Vert.x context. When the queue is full the work is not
 * queued: the future fails with {@link OverloadedException}, which the gateway answers 503 with
 * Retry-After instead of letting memory grow.
 */
public final class OffLoop implements AutoCloseable {

  /** The pool's queue is full. */
  public static final class OverloadedException extends RuntimeException {
    OverloadedException(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final String name;
  private final ThreadPoolExecutor pool;

  public OffLoop(Vertx vertx, String name, int threads, int queueCapacity) {
    this.vertx = vertx;
    this.name = name;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queueCapacity), r -> {
          Thread t = new Thread(r, name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
  }

  /** Runs {@code work} on the pool; completes on the calling context. */
  public <T> Future<T> submit(Callable<T> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    try {
      pool.execute(() -> {
        try {
          T value = work.call();
          context.runOnContext(v -> promise.complete(value));
        } catch (Throwable e) {
          context.runOnContext(v -> promise.fail(e));
        }
      });
    } catch (RejectedExecutionException e) {
      promise.fail(pool.isShutdown() ? new IllegalStateException("the gateway is shutting down")
          : new OverloadedException(name + " has " + pool.getQueue().size() + " tasks waiting; try again shortly"));
    }
    return promise.future();
  }

  /** Runs {@code task} on the pool (it completes its own future); fails fast like {@link #submit}. */
  public void execute(Runnable task) {
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      throw pool.isShutdown() ? new IllegalStateException("the gateway is shutting down")
          : new OverloadedException(name + " has " + pool.getQueue().size() + " tasks waiting; try again shortly");
    }
  }

  /** Tasks waiting (for tests and metrics). */
  public int queued() {
    return pool.getQueue().size();
  }

  @Override
  public void close() {
    pool.shutdown();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
