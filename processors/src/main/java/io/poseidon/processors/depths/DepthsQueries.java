package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;

/** The queries depths answers, over {@code depths-instance-store}. */
public final class DepthsQueries {

  /** More instances than this for one service is not a registry any more; the list is cut. */
  public static final int MAX_INSTANCES = 10_000;

  private final StoreQueries queries;
  private final Clock clock;

  public DepthsQueries(StoreQueries queries, Clock clock) {
    this.queries = queries;
    this.clock = clock;
  }

  /**
   * Live instances of {@code service}, ordered by instance id. An instance whose TTL elapsed but that
   * the next expiry scan has not removed yet is left out already.
   */
  public QueryResult<List<ServiceInstance>> instances(String service) {
    QueryResult<List<KeyValue<String, ServiceInstance>>> raw =
        queries.prefix(DepthsTopology.INSTANCE_STORE, service, service + "/", MAX_INSTANCES);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, ServiceInstance>>> local) {
      long now = clock.millis();
      List<ServiceInstance> live = local.value().stream()
          .map(kv -> kv.value)
          .filter(i -> i.getExpiresAt().toEpochMilli() > now)
          .toList();
      return new QueryResult.Local<>(live, local.partition());
    }
    return retype(raw);
  }

  /** Live instances of every service on this node's partitions, at most {@code max} (a gateway gathers the nodes). */
  public QueryResult<List<ServiceInstance>> localInstances(int max) {
    QueryResult<List<KeyValue<String, ServiceInstance>>> raw = queries.localAll(DepthsTopology.INSTANCE_STORE, max);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, ServiceInstance>>> local) {
      long now = clock.millis();
      return new QueryResult.Local<>(local.value().stream().map(kv -> kv.value)
          .filter(i -> i.getExpiresAt().toEpochMilli() > now).toList(), local.partition());
    }
    return retype(raw);
  }

  /** The nodes holding partitions of the instance store, this one included. */
  public List<org.apache.kafka.streams.state.HostInfo> hosts() {
    return queries.hostsOf(DepthsTopology.INSTANCE_STORE);
  }

  public org.apache.kafka.streams.state.HostInfo self() {
    return queries.self();
  }

  /** One instance, if live. */
  public QueryResult<Optional<ServiceInstance>> instance(String service, String instanceId) {
    QueryResult<Optional<ServiceInstance>> raw =
        queries.get(DepthsTopology.INSTANCE_STORE, service, DepthsTopology.instanceKey(service, instanceId));
    if (raw instanceof QueryResult.Local<Optional<ServiceInstance>> local) {
      long now = clock.millis();
      return new QueryResult.Local<>(local.value().filter(i -> i.getExpiresAt().toEpochMilli() > now),
          local.partition());
    }
    return raw;
  }

  @SuppressWarnings("unchecked")
  private static <A, B> QueryResult<B> retype(QueryResult<A> notLocal) {
    return (QueryResult<B>) notLocal;
  }
}
