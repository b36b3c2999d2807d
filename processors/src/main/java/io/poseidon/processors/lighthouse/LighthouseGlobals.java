package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.HealthPolicy;
import io.poseidon.schemas.lighthouse.HealthPolicyEvent;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processors of lighthouse's global stores, on every node's global thread (also while the stores
 * restore): alert rules and health policies (latest per key; a tombstone deletes; one that breaks
 * {@link LighthouseValidation} is ignored with a warning), and the latest deployment step per service and
 * environment (what runs where, for grouping alerts by deployment and for re-judging health when a
 * health gate starts).
 */
final class LighthouseGlobals {

  private static final Logger log = LoggerFactory.getLogger(LighthouseGlobals.class);

  private LighthouseGlobals() {}

  /** Latest value per key of a compacted topic. */
  static final class Latest<V> implements Processor<String, V, Void, Void> {

    private final String storeName;
    private final Function<V, Map<String, String>> problems;
    private KeyValueStore<String, V> store;

    Latest(String storeName, Function<V, Map<String, String>> problems) {
      this.storeName = storeName;
      this.problems = problems;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, V> record) {
      if (record.key() == null) {
        return;
      }
      if (record.value() == null) {
        store.delete(record.key());
        return;
      }
      Map<String, String> wrong = problems.apply(record.value());
      if (!wrong.isEmpty()) {
        log.warn("{} {} ignored: {}", storeName, record.key(), wrong);
        return;
      }
      store.put(record.key(), record.value());
    }
  }

  static Latest<AlertRuleEvent> rules() {
    return new Latest<>(LighthouseTopology.RULES_STORE, e -> LighthouseValidation.check((AlertRule) e.getPayload()));
  }

  static Latest<HealthPolicyEvent> policies() {
    return new Latest<>(LighthouseTopology.POLICY_STORE, e -> LighthouseValidation.check((HealthPolicy) e.getPayload()));
  }

  /** {@code harbor.deployment-events} → the latest step change per {@code <service>/<environment>}. */
  static final class Deployments implements Processor<String, DeploymentEvent, Void, Void> {

    private KeyValueStore<String, DeploymentEvent> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(LighthouseTopology.DEPLOYMENT_STORE);
    }

    @Override
    public void process(Record<String, DeploymentEvent> record) {
      if (record.value() != null && record.value().getPayload() instanceof EnvironmentStepChanged step) {
        store.put(LighthouseProcessor.deploymentKey(step.getService(), step.getEnvironment()), record.value());
      }
    }
  }
}
