package io.poseidon.gateway.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.poseidon.topology.runtime.ServiceRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the other nodes of this node's services and, when one has crashed, removes its static members
 * from the services' consumer groups so its tasks move to the live nodes (warm standbys first) now,
 * instead of when its session timeout ends (45 s). Static membership keeps a restarting node's
 * assignment across a quick restart — and a crashed one's too: this is the other half.
 *
 * <p>Every {@code interval} each peer (every {@code application.server} of the services' Streams
 * metadata) is asked {@code GET /health}; its answer names its node id. A peer whose port refuses the
 * connection {@code failures} times in a row is taken for crashed (a process that is alive but slow
 * accepts connections and is left alone). It is removed once; once it answers again it is watched again.
 */
final class PeerWatch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PeerWatch.class);

  private final Vertx vertx;
  private final Admin admin;
  private final Collection<ServiceRuntime> runtimes;
  private final HostInfo self;
  private final int failures;
  private final HttpClient client;
  private final Map<HostInfo, String> nodeIds = new ConcurrentHashMap<>();
  private final Map<HostInfo, Integer> strikes = new ConcurrentHashMap<>();
  private final Set<HostInfo> removed = ConcurrentHashMap.newKeySet();
  private final Counter removals;
  private final long timer;

  PeerWatch(Vertx vertx, Admin admin, Collection<ServiceRuntime> runtimes, HostInfo self, long intervalMs, int failures,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.admin = admin;
    this.runtimes = runtimes;
    this.self = self;
    this.failures = failures;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(intervalMs, 2_000))
        .setIdleTimeout(30));
    this.removals = Counter.builder("poseidon.peer.removals")
        .description("Crashed nodes whose consumer group members this node removed").register(metrics);
    this.timer = vertx.setPeriodic(intervalMs, t -> check(intervalMs));
  }

  private void check(long timeoutMs) {
    for (HostInfo peer : peers()) {
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(peer.host()).setPort(peer.port())
              .setURI("/health").setTimeout(timeoutMs))
          .compose(req -> req.send().compose(resp -> resp.body()))
          .onSuccess(body -> {
            strikes.remove(peer);
            removed.remove(peer);
            try {
              String node = body.toJsonObject().getString("node");
              if (node != null) {
                nodeIds.put(peer, node);
              }
            } catch (RuntimeException e) {
              // not a node's health answer: nothing learnt
            }
          })
          .onFailure(err -> {
            if (causedBy(err, ConnectException.class)) {
              int n = strikes.merge(peer, 1, Integer::sum);
              if (failures > 0 && n >= failures && !removed.contains(peer)) {
                crashed(peer);
              }
            }
          });
    }
  }

  /** Every other node hosting tasks of this node's services. */
  private Set<HostInfo> peers() {
    Set<HostInfo> peers = new java.util.HashSet<>();
    for (ServiceRuntime runtime : runtimes) {
      try {
        for (StreamsMetadata m : runtime.streams().metadataForAllStreamsClients()) {
          if (!m.hostInfo().equals(self)) {
            peers.add(m.hostInfo());
          }
        }
      } catch (RuntimeException e) {
        // not running yet
      }
    }
    return peers;
  }

  private void crashed(HostInfo peer) {
    String node = nodeIds.get(peer);
    if (node == null) {
      log.warn("Node at {}:{} refuses connections, but its node id was never seen: its tasks move after the "
          + "session timeout", peer.host(), peer.port());
      removed.add(peer);
      return;
    }
    removed.add(peer);
    vertx.executeBlocking(() -> {
      int members = 0;
      for (ServiceRuntime runtime : runtimes) {
        try {
          members += runtime.removeMembersOf(admin, node);
        } catch (Exception e) {
          log.debug("{}: members of {} not removed: {}", runtime.service(), node, e.toString());
        }
      }
      return members;
    }, false).onSuccess(members -> {
      if (members > 0) {
        removals.increment();
        log.warn("Node {} at {}:{} refuses connections ({} checks): removed its {} consumer group member(s) so its "
            + "tasks move to the live nodes now", node, peer.host(), peer.port(), failures, members);
      }
    });
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    client.close();
  }
}
