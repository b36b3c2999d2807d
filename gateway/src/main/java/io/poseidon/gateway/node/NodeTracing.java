package io.poseidon.gateway.node;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.tracing.Tracing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's OpenTelemetry SDK, configured the standard way (the SDK's autoconfigure module:
 * {@code OTEL_*} environment variables and {@code otel.*} system properties) on top of Poseidon's
 * {@code tracing.*} keys, which are only its defaults. Off unless an exporter is named: then the
 * sampler records nothing (ids are still made, so events carry a trace) and nothing is sent. Metrics
 * and logs are never exported through OpenTelemetry (the node's metrics are on {@code /metrics}).
 */
final class NodeTracing {

  private static final Logger log = LoggerFactory.getLogger(NodeTracing.class);
  private static final AttributeKey<String> SERVICE_INSTANCE_ID = AttributeKey.stringKey("service.instance.id");

  private NodeTracing() {}

  /** The SDK of {@code config}; the node closes it (flushing what is still buffered) when it stops. */
  static Tracing create(PoseidonConfig config) {
    Map<String, String> defaults = defaults(config);
    AtomicReference<ConfigProperties> used = new AtomicReference<>();
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults) // OTEL_* and -Dotel.* win over these
        .addSamplerCustomizer((sampler, props) -> {
          used.set(props);
          return exportsNothing(props) ? Sampler.alwaysOff() : sampler;
        })
        // without any span processor the SDK's tracers are no-ops that make no ids: with the exporter
        // off, a request without a traceparent would start no trace
        .addTracerProviderCustomizer((builder, props) -> builder.addSpanProcessor(Tracing.keepingIds()))
        .addResourceCustomizer((resource, props) -> resource.getAttribute(SERVICE_INSTANCE_ID) != null ? resource
            : resource.merge(Resource.create(Attributes.of(SERVICE_INSTANCE_ID, config.nodeId()))))
        .disableShutdownHook() // the node closes it in order, after its services
        .build()
        .getOpenTelemetrySdk();
    ConfigProperties props = used.get();
    if (props == null || exportsNothing(props)) {
      log.info("Tracing off: spans are not recorded (trace ids still travel with every event); set "
          + "OTEL_TRACES_EXPORTER=otlp or {}=otlp to export them (docs/tracing.md)", PoseidonConfig.TRACING_EXPORTER);
    } else {
      String endpoint = props.getString("otel.exporter.otlp.traces.endpoint",
          props.getString("otel.exporter.otlp.endpoint", "the OTLP default"));
      log.info("Tracing on: spans of service {} exported by {} to {}", props.getString("otel.service.name"),
          props.getList("otel.traces.exporter"), endpoint);
    }
    return Tracing.owning(sdk);
  }

  /** {@code tracing.*} as the defaults of the standard OpenTelemetry properties. */
  static Map<String, String> defaults(PoseidonConfig config) {
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.traces.exporter", config.getString(PoseidonConfig.TRACING_EXPORTER));
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    defaults.put("otel.service.name", config.getString(PoseidonConfig.TRACING_SERVICE_NAME));
    // the specification's default (the SDK's autoconfigure still defaults to grpc on 4317)
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    String endpoint = config.getString(PoseidonConfig.TRACING_OTLP_ENDPOINT);
    if (!endpoint.isBlank()) {
      defaults.put("otel.exporter.otlp.endpoint", endpoint);
    }
    return defaults;
  }

  private static boolean exportsNothing(ConfigProperties props) {
    List<String> exporters = props.getList("otel.traces.exporter");
    return exporters.isEmpty() || exporters.stream().allMatch("none"::equals);
  }
}
