package io.poseidon.processors.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.topology.events.EventMetas;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The simulated services' raw telemetry, as a log shipper and a metrics agent on their hosts would send
 * it: every {@code sim.telemetry.interval.ms}, for each of {@code sim.telemetry.services} (in dev) and
 * each service the {@link SimulatedFleet} runs (in its environment), one metric batch (ten
 * {@code http.server.duration} samples in ms, requests, CPU, memory) and one to three logs at mixed
 * levels (mostly INFO, some WARN, now and then an ERROR), all raw records on {@code tide.ingest} for tide
 * to route. A degraded entry of the fleet is slow (about ten times the latency) and mostly errors. Only
 * the task of partition 0 sends, so a node with several tasks does not multiply the data; the commands
 * it sits beside are not its business.
 */
final class SimulatedTelemetry implements Processor<String, AgentCommand, String, IngestEvent> {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final List<String> INFO = List.of("request served", "cache refreshed", "connection pool resized",
      "scheduled job finished", "config reloaded");
  private static final List<String> WARN = List.of("slow downstream call", "retrying request", "queue above 80%",
      "certificate expires in 20 days");
  private static final List<String> ERROR = List.of("upstream returned 503", "payment provider timeout",
      "database connection refused", "unhandled exception in request handler");

  private final SimConfig config;
  private final Clock clock;
  private final DoubleSupplier random;
  private final SimulatedFleet fleet;
  private ProcessorContext<String, IngestEvent> context;
  private long sequence;

  SimulatedTelemetry(SimConfig config, Clock clock, DoubleSupplier random, SimulatedFleet fleet) {
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.fleet = fleet;
  }

  @Override
  public void init(ProcessorContext<String, IngestEvent> context) {
    this.context = context;
    if (context.taskId().partition() == 0 && !config.telemetryInterval().isZero()) {
      context.schedule(config.telemetryInterval(), PunctuationType.WALL_CLOCK_TIME, now -> tick());
    }
  }

  @Override
  public void process(Record<String, AgentCommand> record) {
    // the deploy agent answers commands; telemetry only ticks
  }

  /** One interval's raw records of every simulated service. */
  void tick() {
    Instant now = clock.instant();
    for (String service : config.telemetryServices()) {
      emit(service, "dev", false, now);
    }
    for (SimulatedFleet.Running r : fleet.running()) {
      if (!(config.telemetryServices().contains(r.service()) && r.environment().equals("dev"))) {
        emit(r.service(), r.environment(), r.degraded(), now);
      }
    }
  }

  private void emit(String service, String environment, boolean degraded, Instant now) {
    String instance = service + "-" + environment + "-1";
    double load = 0.5 + random.getAsDouble();
    List<Map<String, Object>> points = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      double latency = (degraded ? 1_000 : 20) + (degraded ? 1_500 : 80) * random.getAsDouble() * load;
      points.add(point("http.server.duration", round(latency), "ms", Map.of("route", "/api")));
    }
    points.add(point("http_requests", Math.round(40 * load), "count", Map.of("route", "/api")));
    points.add(point("cpu_utilization", round((degraded ? 0.6 : 0.2) + 0.3 * random.getAsDouble()), "ratio", Map.of()));
    points.add(point("memory_used", Math.round(300_000_000 + 200_000_000 * random.getAsDouble()), "bytes", Map.of()));
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("points", points);
    send(service, instance, environment, IngestKind.METRIC, "metrics-agent@" + instance, metrics, now);
    int logs = 1 + (int) (random.getAsDouble() * 3);
    for (int i = 0; i < logs; i++) {
      double roll = random.getAsDouble();
      String level = roll < (degraded ? 0.6 : 0.05) ? "ERROR" : roll < (degraded ? 0.8 : 0.20) ? "WARN" : "INFO";
      List<String> messages = level.equals("ERROR") ? ERROR : level.equals("WARN") ? WARN : INFO;
      Map<String, Object> log = new LinkedHashMap<>();
      log.put("level", level);
      log.put("message", messages.get((int) (random.getAsDouble() * messages.size())));
      log.put("traceId", Long.toHexString(Double.doubleToLongBits(random.getAsDouble())));
      send(service, instance, environment, IngestKind.LOG, "log-shipper@" + instance, log, now);
    }
  }

  private void send(String service, String instance, String environment, IngestKind kind, String source,
      Map<String, Object> payload, Instant now) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("service", service);
    attributes.put("instance", instance);
    attributes.put("environment", environment);
    RawEnvelope raw = RawEnvelope.newBuilder()
        .setSource(source)
        .setKind(kind)
        .setId(now.toEpochMilli() + "-" + sequence++)
        .setTime(now)
        .setAttributes(attributes)
        .setPayload(write(payload))
        .build();
    IngestEvent event = new IngestEvent(EventMetas.first("tide.RawEnvelope", "sim", config.agentId(), null, clock), raw);
    context.forward(new Record<>(TideTopics.ingestKey(raw), event, now.toEpochMilli()), SimTopology.TELEMETRY_SINK);
  }

  private static Map<String, Object> point(String name, Number value, String unit, Map<String, String> labels) {
    Map<String, Object> point = new LinkedHashMap<>();
    point.put("name", name);
    point.put("value", value);
    point.put("unit", unit);
    point.put("labels", labels);
    return point;
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
