package io.poseidon.gateway.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.tracing.Tracing;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's SDK: off by default (ids, no recording), on with an exporter, the standard settings winning. */
class NodeTracingTest {

  /** Nothing listens on the test's collector address: give up sending at once when the SDK flushes on close. */
  @BeforeEach
  void shortExportTimeout() {
    System.setProperty("otel.exporter.otlp.timeout", "100");
    System.setProperty("otel.bsp.export.timeout", "200");
  }

  @AfterEach
  void clear() {
    System.clearProperty("otel.exporter.otlp.timeout");
    System.clearProperty("otel.bsp.export.timeout");
  }

  @Test
  void shouldMakeIdsButRecordNothingByDefault() {
    try (Tracing tracing = NodeTracing.create(config(Map.of()))) {
      String traceparent = inSpan(tracing);
      assertTrue(Tracing.isValid(traceparent), "a new trace even when off: " + traceparent);
      assertTrue(!sampled(traceparent), "not sampled: " + traceparent);
    }
  }

  @Test
  void shouldRecordWithAnOtlpExporter() {
    try (Tracing tracing = NodeTracing.create(config(Map.of(PoseidonConfig.TRACING_EXPORTER, "otlp",
        PoseidonConfig.TRACING_OTLP_ENDPOINT, "http://127.0.0.1:9")))) {
      assertTrue(sampled(inSpan(tracing)), "sampled, sent in batches over OTLP");
    }
  }

  @Test
  void shouldLetTheStandardSettingWin() {
    System.setProperty("otel.traces.exporter", "none");
    try (Tracing tracing = NodeTracing.create(config(Map.of(PoseidonConfig.TRACING_EXPORTER, "otlp")))) {
      assertTrue(!sampled(inSpan(tracing)), "otel.traces.exporter=none wins over tracing.exporter=otlp");
    } finally {
      System.clearProperty("otel.traces.exporter");
    }
    assertEquals("poseidon", NodeTracing.defaults(config(Map.of())).get("otel.service.name"));
    assertEquals("none", NodeTracing.defaults(config(Map.of())).get("otel.metrics.exporter"));
  }

  @Test
  void shouldSpeakGrpcWhenAskedTo() {
    System.setProperty("otel.exporter.otlp.protocol", "grpc");
    try (Tracing tracing = NodeTracing.create(config(Map.of(PoseidonConfig.TRACING_EXPORTER, "otlp",
        PoseidonConfig.TRACING_OTLP_ENDPOINT, "http://127.0.0.1:9")))) {
      assertTrue(sampled(inSpan(tracing)));
    } finally {
      System.clearProperty("otel.exporter.otlp.protocol");
    }
  }

  /** The sampled bit of the flags (a root span also sets the random-trace-id bit, 0x02). */
  private static boolean sampled(String traceparent) {
    return (Integer.parseInt(traceparent.substring(53), 16) & 1) == 1;
  }

  private static String inSpan(Tracing tracing) {
    AtomicReference<String> current = new AtomicReference<>();
    tracing.timer("test", "t", null, () -> current.set(Tracing.current()));
    return current.get();
  }

  private static PoseidonConfig config(Map<String, String> values) {
    return new PoseidonConfig(ConfigSource.of(values));
  }
}
