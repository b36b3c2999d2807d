package io.poseidon.processors.harbor;

import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.util.Map;
import java.util.Optional;

/**
 * The queries harbor answers. Everything harbor keeps lives in the partition of the <em>service</em>
 * (the topic key), so every query names the service: a deployment is looked up by service + id.
 */
public final class HarborQueries {

  private final StoreQueries queries;

  public HarborQueries(StoreQueries queries) {
    this.queries = queries;
  }

  /** A deployment with its state and full history; empty when unknown or of another service. */
  public QueryResult<Optional<Deployment>> deployment(String service, String deploymentId) {
    QueryResult<Optional<Deployment>> raw = queries.get(HarborTopology.DEPLOYMENT_STORE, service, deploymentId);
    if (raw instanceof QueryResult.Local<Optional<Deployment>> local) {
      return new QueryResult.Local<>(local.value().filter(d -> d.getService().equals(service)), local.partition());
    }
    return raw;
  }

  /** The service's active deployment, its queue and what version runs in each environment. */
  public QueryResult<Optional<ServiceDeployments>> service(String service) {
    return queries.get(HarborTopology.SERVICE_STORE, service, service);
  }

  /** What version of {@code service} runs where: environment → version (empty when never deployed). */
  public QueryResult<Map<String, String>> versions(String service) {
    QueryResult<Optional<ServiceDeployments>> raw = service(service);
    if (raw instanceof QueryResult.Local<Optional<ServiceDeployments>> local) {
      return new QueryResult.Local<>(local.value().map(ServiceDeployments::getVersions).orElse(Map.of()),
          local.partition());
    }
    return retype(raw);
  }

  /** Deployments this node's partitions hold, at most {@code max} (a gateway gathers every node's). */
  public QueryResult<java.util.List<Deployment>> localDeployments(int max) {
    QueryResult<java.util.List<org.apache.kafka.streams.KeyValue<String, Deployment>>> raw =
        queries.localAll(HarborTopology.DEPLOYMENT_STORE, max);
    if (raw instanceof QueryResult.Local<java.util.List<org.apache.kafka.streams.KeyValue<String, Deployment>>> local) {
      return new QueryResult.Local<>(local.value().stream().map(kv -> kv.value).toList(), local.partition());
    }
    return retype(raw);
  }

  /** The nodes holding partitions of harbor's deployments, this one included. */
  public java.util.List<org.apache.kafka.streams.state.HostInfo> deploymentHosts() {
    return queries.hostsOf(HarborTopology.DEPLOYMENT_STORE);
  }

  public org.apache.kafka.streams.state.HostInfo self() {
    return queries.self();
  }

  /** Whether a deployment reached its terminal state (then a cancel has nothing left to stop). */
  public static boolean isFinished(Deployment deployment) {
    return SagaChanges.finishedAt(deployment) != null;
  }

  @SuppressWarnings("unchecked")
  private static <A, B> QueryResult<B> retype(QueryResult<A> notLocal) {
    return (QueryResult<B>) notLocal;
  }
}
