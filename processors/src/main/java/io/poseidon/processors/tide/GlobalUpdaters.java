package io.poseidon.processors.tide;

import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.schemas.tide.RuleEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor of tide's rules store (the instance store's is depths' {@link
 * io.poseidon.processors.depths.InstanceDirectory}). They run on every node's global thread, for every
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
}
