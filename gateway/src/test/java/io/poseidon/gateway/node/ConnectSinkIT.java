package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.poseidon.deploy.local.ConnectStack;
import io.poseidon.deploy.local.ConnectWorker;
import io.poseidon.deploy.local.PostgresServer;
import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.gateway.node.Node;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.schemas.harbor.DeploymentSnapshot;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.serde.SerdeFactory;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Connect sinks end to end on real parts: the embedded broker and registry, a node running harbor and
 * the simulated deploy agent, a private PostgreSQL cluster and a real Kafka Connect worker with the shipped
 * connector configurations of {@code deploy/connect/connectors} (what {@code ./poseidon dev --with-connect}
 * starts). A deployment's row appears in {@code harbor_deployments} and its status follows the saga; a
 * new optional field adds a column; a poison record lands in the connector's dead-letter topic while the
 * next good record still arrives; a service's dead letter becomes a row of {@code poseidon_dead_letters}.
 *
 * <p>Needs PostgreSQL's server binaries ({@code apt-get install -y postgresql}; {@code .ci/run} installs
 * them): without them the test is skipped with that message.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectSinkIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Node node;
  private ConnectStack sinks;
  private Path dir;

  @BeforeAll
  void start(TestStack stack) throws Exception {
    Assumptions.assumeTrue(PostgresServer.installed(), "PostgreSQL is not installed: apt-get install -y postgresql");
    // long enough steps that the row is seen RUNNING before it is SUCCEEDED
    node = NodeFixture.start(stack, stack.uniqueName("sink-node"), stack.uniqueName("sink") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "harbor,sim",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "3",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        SimConfig.DEPLOY_DURATION_MS, "1500"));
    until("node ready", Duration.ofSeconds(90), () -> get("/ready").statusCode() == 200);

    // PostgreSQL refuses root, and a root test run gives the cluster to the postgres user: its parent must be
    // readable by that user (a temp directory is 700)
    dir = Files.createTempDirectory("sink-it-data", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    sinks = ConnectStack.start(dir, stack.bootstrapServers(), stack.registryUrl(),
        new ConnectStack.Config(true, 0, 0, null), ConnectWorker.shippedConnectors());
  }

  @AfterAll
  void stop() {
    if (sinks != null) {
      sinks.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldRegisterEveryShippedConnectorAndRunIt() {
    Set<String> shipped = new LinkedHashSet<>();
    for (Path f : ConnectWorker.shippedConnectors()) {
      shipped.add(f.getFileName().toString().replace(".json", ""));
    }
    assertEquals(shipped, new LinkedHashSet<>(sinks.connectors()));
    for (String name : sinks.connectors()) {
      assertEquals("RUNNING", sinks.worker().status(name).path("connector").path("state").asText(), name);
    }
  }

  @Test
  void shouldKeepOneRowPerDeploymentWithItsLatestStatus(TestStack stack) {
    String service = stack.uniqueName("sink-svc");
    JsonObject accepted = new JsonObject(post("/api/v1/deployments", new JsonObject().put("service", service)
        .put("version", "2.0.1").put("environments", List.of("dev", "staging")).put("strategy", "rolling").encode()));
    String id = accepted.getString("deploymentId");

    List<String> seen = new ArrayList<>();
    until("row of " + id + " SUCCEEDED in harbor_deployments", Duration.ofSeconds(90), () -> {
      String status = sql("select status from harbor_deployments where deployment_id = '" + id + "'")
          .strip();
      if (!status.isEmpty() && (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status))) {
        seen.add(status);
      }
      return status.equals("SUCCEEDED");
    });
    assertTrue(seen.size() >= 2, "the row was updated on its way, not written once at the end: " + seen);
    assertNotEquals("SUCCEEDED", seen.get(0), "first seen " + seen);
    assertEquals("1", sql("select count(*) from harbor_deployments where deployment_id = '" + id + "'")
        .strip(), "upsert: one row per deployment");
    String row = sql("select service, version, environments, changed_environments, "
        + "finished_at is not null from harbor_deployments where deployment_id = '" + id + "'").strip();
    assertEquals(service + "|2.0.1|dev,staging|dev,staging|t", row);
    // the same deployment through the API: the table says what the gateway says
    assertEquals("SUCCEEDED", new JsonObject(get("/api/v1/deployments/" + id).body()).getString("status"));
    // and its steps, one row per fact in harbor_deployment_events
    until("steps of " + id, Duration.ofSeconds(30), () -> sql("select string_agg(payload_environment_step_changed_environment"
        + " || ':' || payload_environment_step_changed_action, ',' order by meta_time) from harbor_deployment_events "
        + "where payload_environment_step_changed_deployment_id = '" + id + "' and payload_environment_step_changed_status "
        + "= 'COMPLETED'").strip().equals("dev:DEPLOY,dev:HEALTH_GATE,staging:DEPLOY,staging:HEALTH_GATE"));
  }

  @Test
  void shouldAddAColumnForANewOptionalFieldAndSendAPoisonRecordToTheConnectorsDeadLetters(TestStack stack)
      throws Exception {
    // the shipped harbor-deployments connector, on a topic and a table of this test
    String topic = stack.uniqueName("it.deployments");
    String table = topic.replace('.', '_').replace('-', '_');
    String dlq = "connect." + topic + ".dlq";
    stack.createTopics(1, topic);
    ObjectNode definition = (ObjectNode) JSON.readTree(ConnectWorker.shippedConnectors().stream()
        .filter(f -> f.getFileName().toString().equals("harbor-deployments.json")).findFirst().orElseThrow().toFile());
    definition.put("name", "it-" + topic);
    ObjectNode config = (ObjectNode) definition.get("config");
    config.put("topics", topic).put("collection.name.format", table).put("errors.deadletterqueue.topic.name", dlq);
    Path file = dir.resolve(topic + ".json");
    Files.writeString(file, definition.toString());
    sinks.worker().register(List.of(file), Duration.ofSeconds(60));

    Schema v1 = DeploymentSnapshot.getClassSchema();
    Schema v2 = withOptionalField(v1, "rolloutNote");
    try (KafkaProducer<String, Object> avro = new KafkaProducer<>(producerProps(stack), new StringSerializer(),
        avroSerializer(stack));
         KafkaProducer<String, byte[]> raw = new KafkaProducer<>(producerProps(stack), new StringSerializer(),
             new ByteArraySerializer())) {
      avro.send(new ProducerRecord<>(topic, "d-1", snapshot(v1, "d-1", "RUNNING"))).get();
      until("row d-1 in " + table, Duration.ofSeconds(60), () -> rows(table, "d-1").equals("RUNNING"));
      assertEquals("", sql("select column_name from information_schema.columns where table_name = '"
          + table + "' and column_name = 'rollout_note'").strip(), "no such column before the schema changes");

      GenericRecord evolved = snapshot(v2, "d-2", "RUNNING");
      evolved.put("rolloutNote", "canary first");
      avro.send(new ProducerRecord<>(topic, "d-2", evolved)).get();
      until("column rollout_note", Duration.ofSeconds(60), () -> sql(
          "select rollout_note from " + table + " where deployment_id = 'd-2'").strip().equals("canary first"));
      assertEquals("", sql("select coalesce(rollout_note, '') from " + table
          + " where deployment_id = 'd-1'").strip(), "the older row has the new column empty");

      // a poison record (not Poseidon's wire format), then a good one
      raw.send(new ProducerRecord<>(topic, "d-poison", "not avro at all".getBytes(StandardCharsets.UTF_8))).get();
      avro.send(new ProducerRecord<>(topic, "d-3", snapshot(v1, "d-3", "SUCCEEDED"))).get();
      until("row d-3 after the poison record", Duration.ofSeconds(60), () -> rows(table, "d-3").equals("SUCCEEDED"));
    }
    ConsumerRecord<byte[], byte[]> dead = firstRecord(stack, dlq);
    assertEquals("d-poison", new String(dead.key(), StandardCharsets.UTF_8));
    assertEquals("not avro at all", new String(dead.value(), StandardCharsets.UTF_8), "the original bytes, untouched");
    assertTrue(dead.headers().lastHeader("__connect.errors.exception.class.name") != null, "the reason is in the headers");
    assertEquals("RUNNING", sinks.worker().status("it-" + topic).path("tasks").get(0).path("state").asText(),
        "the connector keeps running");
    assertEquals("", rows(table, "d-poison"), "nothing half-written for the poison record");
  }

  @Test
  void shouldWriteAServicesDeadLettersToOneTable(TestStack stack) throws Exception {
    String topic = stack.uniqueName("itsvc") + ".dlq";
    stack.createTopics(1, topic);
    try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(producerProps(stack), new StringSerializer(),
        new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "k", new byte[] {0, 1, 2, 3});
      record.headers().add(DeadLetters.HEADER_REASON, "payload.value: not a number".getBytes(StandardCharsets.UTF_8));
      record.headers().add(DeadLetters.HEADER_STAGE, "process".getBytes(StandardCharsets.UTF_8));
      record.headers().add(DeadLetters.HEADER_TOPIC, "itsvc.input".getBytes(StandardCharsets.UTF_8));
      raw.send(record).get();
    }
    // the connector finds a dead-letter topic created after it started (topics.regex, metadata every 10 s)
    until("dead letter of " + topic, Duration.ofSeconds(90), () -> sql(
        "select reason || '|' || stage || '|' || source_topic || '|' || encode(original_value, 'hex') from "
            + "poseidon_dead_letters where __connect_topic = '" + topic + "'").strip()
        .equals("payload.value: not a number|process|itsvc.input|00010203"));
  }

  // --- helpers

  /** psql's answer; empty while the table (or column) the sink creates does not exist yet. */
  private String sql(String query) {
    try {
      return sinks.postgres().psql(query);
    } catch (io.poseidon.deploy.local.LocalStackException e) {
      if (e.getMessage().contains("does not exist")) {
        return "";
      }
      throw e;
    }
  }

  private String rows(String table, String id) {
    return sql("select status from " + table + " where deployment_id = '" + id + "'").strip();
  }

  private static GenericRecord snapshot(Schema schema, String id, String status) {
    GenericRecord r = new GenericData.Record(schema);
    Instant now = Instant.now();
    r.put("deploymentId", id);
    r.put("service", "it");
    r.put("version", "1.0.0");
    r.put("environments", "dev");
    r.put("strategy", "rolling");
    r.put("status", status);
    r.put("attempt", 1);
    r.put("changedEnvironments", "");
    r.put("correlationId", id);
    r.put("requestedAt", now.toEpochMilli());
    r.put("updatedAt", now.toEpochMilli());
    return r;
  }

  /** {@code schema} plus an optional string field (default null): a BACKWARD-compatible change. */
  private static Schema withOptionalField(Schema schema, String name) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    fields.add(new Schema.Field(name, Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
        "added by the test", Schema.Field.NULL_DEFAULT_VALUE));
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  private static AvroKafkaSerializer<Object> avroSerializer(TestStack stack) {
    AvroKafkaSerializer<Object> serializer = new AvroKafkaSerializer<>();
    serializer.configure(new HashMap<>(SerdeFactory.wireFormat(stack.registryUrl())), false);
    return serializer;
  }

  private static Properties producerProps(TestStack stack) {
    Properties p = new Properties();
    p.put("bootstrap.servers", stack.bootstrapServers());
    p.put("acks", "all");
    return p;
  }

  private static ConsumerRecord<byte[], byte[]> firstRecord(TestStack stack, String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", stack.bootstrapServers());
    p.put("group.id", stack.uniqueName("it-dlq-reader"));
    p.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          return r;
        }
      }
    }
    throw new AssertionError("nothing on " + topic + " within 60 s");
  }

  private HttpResponse<String> get(String path) {
    return NodeFixture.get(node, path);
  }

  private String post(String path, String body) {
    HttpResponse<String> r = NodeFixture.post(node, path, body);
    assertEquals(202, r.statusCode(), r.body());
    return r.body();
  }
}
