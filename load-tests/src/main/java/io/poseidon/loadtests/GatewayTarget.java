package io.poseidon.loadtests;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Path B, Poseidon: {@code POST /api/v1/services/{service}/instances} on a node's gateway with a
 * non-blocking Vert.x HTTP client (its own single event loop, HTTP/1.1 keep-alive pool). Success =
 * {@code 202}, which the gateway sends once Kafka acknowledged the event; anything else is counted
 * under its status code. A sampled request registers a fresh instance and is handed to the
 * {@link VisibilityProbe}.
 */
public final class GatewayTarget implements LoadTarget, AutoCloseable {

  static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final Context context;
  private final HttpClient http;
  private final HttpClient probeHttp;
  private final int port;
  private final RegistrationWorkload workload;
  private final VisibilityProbe probe;
  /** Where each unanswered request is, to say why when some never finish. */
  private final Map<Object, String> pending = new ConcurrentHashMap<>();
  /** Sent with every registration: the caller's credentials ({@link AuthBenchmark}). */
  private final Map<String, String> headers = new ConcurrentHashMap<>();

  /**
   * @param connections HTTP/1.1 connections at most (requests beyond wait in the client's queue, and
   *                    the wait counts: latency runs from the intended send time)
   * @param probeEvery  probe the visibility of every N-th measured request (0: never)
   */
  public GatewayTarget(int port, RegistrationWorkload workload, int connections, int probeEvery) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.context = vertx.getOrCreateContext();
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections));
    this.port = port;
    this.workload = workload;
    // the probe's GETs have their own connections: they neither queue behind the POSTs nor delay them
    this.probeHttp = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(8));
    this.probe = new VisibilityProbe(vertx, probeHttp, port, probeEvery);
  }

  /** Every later registration also sends {@code name: value} (an X-API-Key, an Authorization). */
  public GatewayTarget withHeader(String name, String value) {
    headers.put(name, value);
    return this;
  }

  @Override
  public CompletionStage<Outcome> fire(Request request) {
    String service = workload.service(request.index());
    boolean probed = probe.samples(request);
    String instanceId = probed ? "probe-" + request.index() : workload.instanceId(request.index());
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    // The whole exchange runs on the client's event loop: driving Vert.x's HTTP client from another
    // thread (this one) races between the response arriving and body() being asked for, and the
    // body future may then never complete (eclipse-vertx/vert.x#4705, #6038).
    context.runOnContext(v -> register(service, instanceId).onComplete(result -> {
      if (result.failed()) {
        outcome.complete(Outcome.of(result.cause()));
      } else if (result.result() != 202) {
        outcome.complete(Outcome.failed(Integer.toString(result.result())));
      } else {
        if (probed) {
          probe.watch(service, instanceId, request.intendedNanos());
        }
        outcome.complete(Outcome.ok("202"));
      }
    }));
    return outcome;
  }

  /** One POST; call it on {@link #context}. */
  private Future<Integer> register(String service, String instanceId) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(HOST)
        .setPort(port)
        .setURI("/api/v1/services/" + service + "/instances")
        .putHeader("Content-Type", "application/json")
        .setConnectTimeout(5_000)
        .setIdleTimeout(10_000);
    headers.forEach(options::putHeader);
    Buffer body = Buffer.buffer(RegistrationWorkload.jsonBody(instanceId));
    Object key = new Object();
    pending.put(key, "waiting for a connection");
    return http.request(options)
        .compose(req -> {
          pending.put(key, "sent, waiting for the response");
          return req.send(body).compose(response -> {
            pending.put(key, "reading the " + response.statusCode() + " body");
            return response.body().map(ignored -> response.statusCode());
          });
        })
        .andThen(done -> pending.remove(key));
  }

  /** Unanswered requests by where they are stuck (empty once every request finished). */
  public Map<String, Long> unanswered() {
    Map<String, Long> byStage = new TreeMap<>();
    pending.values().forEach(stage -> byStage.merge(stage, 1L, Long::sum));
    return byStage;
  }

  public VisibilityProbe probe() {
    return probe;
  }

  /** Closes the client and its event loop, waiting at most 10 s for each. */
  @Override
  public void close() {
    await(http.close());
    await(probeHttp.close());
    await(vertx.close());
  }

  /** Waits at most 10 s for a Vert.x client or event loop to close (the benchmarks' HTTP clients). */
  static void await(Future<Void> closing) {
    try {
      closing.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("[bench] HTTP client did not close cleanly: " + e);
    }
  }
}
