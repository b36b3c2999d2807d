package io.poseidon.topology.tracing;

import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * A processor whose every record is taken inside a processing span ({@link Tracing#process}): what
 * a topology wraps its processors in when they are not sagas ({@code SagaProcessor} traces itself).
 * {@code topology.addProcessor(NAME, TracedProcessor.of("depths", () -> new X(...)), SOURCE)}.
 */
public final class TracedProcessor<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {

  private final String service;
  private final Processor<KIn, VIn, KOut, VOut> delegate;
  private ProcessorContext<KOut, VOut> context;
  private Tracing tracing = Tracing.off();

  private TracedProcessor(String service, Processor<KIn, VIn, KOut, VOut> delegate) {
    this.service = service;
    this.delegate = delegate;
  }

  /** {@code supplier}'s processors, traced as {@code service}'s; the stores it connects stay connected. */
  public static <KIn, VIn, KOut, VOut> ProcessorSupplier<KIn, VIn, KOut, VOut> of(String service,
      ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<KIn, VIn, KOut, VOut> get() {
        return new TracedProcessor<>(service, supplier.get());
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  @Override
  public void init(ProcessorContext<KOut, VOut> context) {
    this.context = context;
    this.tracing = Tracing.of(context);
    delegate.init(context);
  }

  @Override
  public void process(Record<KIn, VIn> record) {
    tracing.process(service, context, record, () -> delegate.process(record));
  }

  @Override
  public void close() {
    delegate.close();
  }
}
