package io.poseidon.processors.tide;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.schemas.tide.RuleEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processors of tide's two global stores. They run on every node's global thread, for every
 * record of their topic — also while the store restores (Kafka Streams reprocesses global stores
 * through their processor) — so the rule book and the instance directory are the same everywhere.
 */
final class GlobalUpdaters {

  private static final Logger log = LoggerFactory.getLogger(GlobalUpdaters.class);

  private GlobalUpdaters() {}

  /** {@code tide.routing-rules} → {@code tide-rules-store} and the node's {@link RuleBook}. */
  static final class Rules implements Processor<String, RuleEvent, Void, Void> {

    private final RuleBook book;
    private KeyValueStore<String, RuleEvent> store;

    Rules(RuleBook book) {
      this.book = book;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(TideTopology.RULES_STORE);
    }

    @Override
    public void process(Record<String, RuleEvent> record) {
      if (record.key() == null) {
        return;
      }
      RuleEvent event = record.value();
      RoutingRule rule = event == null ? null : (RoutingRule) event.getPayload();
      if (rule != null && (!rule.getRuleId().equals(record.key()) || !TideValidation.check(rule).isEmpty())) {
        log.warn("Routing rule {} ignored: {}", record.key(), !rule.getRuleId().equals(record.key())
            ? "its ruleId is " + rule.getRuleId() : TideValidation.check(rule));
        return;
      }
      if (event == null) {
        store.delete(record.key());
      } else {
        store.put(record.key(), event);
      }
      book.put(record.key(), rule);
    }
  }

  /**
   * {@code depths.instance-changes} → {@code tide-instance-store}: the instances depths knows, by
   * {@code <service>/<instanceId>}, for enrichment.
   */
  static final class Instances implements Processor<String, InstanceEvent, Void, Void> {

    private KeyValueStore<String, InstanceEvent> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(TideTopology.INSTANCE_STORE);
    }

    @Override
    public void process(Record<String, InstanceEvent> record) {
      if (record.value() == null) {
        return;
      }
      Object payload = record.value().getPayload();
      if (payload instanceof ServiceRegistered registered) {
        // the event as it came: a store's serde writes under its source topic's subject, so it keeps that type
        store.put(key(registered.getService(), registered.getInstanceId()), record.value());
      } else if (payload instanceof io.poseidon.schemas.depths.ServiceDeregistered gone) {
        store.delete(key(gone.getService(), gone.getInstanceId()));
      } else if (payload instanceof io.poseidon.schemas.depths.InstanceExpired expired) {
        store.delete(key(expired.getService(), expired.getInstanceId()));
      }
    }

    static String key(String service, String instance) {
      return service + "/" + instance;
    }
  }
}
