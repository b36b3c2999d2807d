package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.gateway.ClientCommands;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.RawEnvelope;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code poseidon ingest} and {@code publish} against a real gateway (MockProducer behind it): counts, line numbers, exit codes. */
@ExtendWith(VertxExtension.class)
class ClientCommandsTest {

  private GatewayFixture gateway;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new GatewayFixture(vertx).start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private int run(String... args) {
    return ClientCommands.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String url() {
    return "http://127.0.0.1:" + gateway.port();
  }

  @Test
  void shouldIngestAFileInBatchesAndNameTheRejectedLines(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("logs.ndjson");
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i <= 5; i++) {
      lines.append("{\"source\":\"cli\",\"kind\":\"log\",\"id\":\"").append(i).append("\",\"payload\":{\"message\":\"m\"}}\n");
    }
    lines.append("{broken\n\n{\"source\":\"cli\",\"kind\":\"gossip\"}\n");
    Files.writeString(file, lines);

    int exit = run("ingest", "--url", url(), "--file", file.toString(), "--batch", "2", "--quiet");

    assertEquals(1, exit, "something was rejected: " + err);
    String summary = out.toString(StandardCharsets.UTF_8);
    assertTrue(summary.contains("7 records") && summary.contains("5 accepted") && summary.contains("2 rejected"), summary);
    String errors = err.toString(StandardCharsets.UTF_8);
    assertTrue(errors.contains("rejected line 6: line is not valid JSON"), errors);
    assertTrue(errors.contains("rejected line 8: kind must be one of"), errors);
    assertEquals(5, gateway.producer.history().size());
    RawEnvelope first = (RawEnvelope) ((IngestEvent) gateway.producer.history().get(0).value()).getPayload();
    assertEquals("cli", first.getSource());
  }

  @Test
  void shouldPublishEachLineAndStopAtAnUnknownTopic(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("events.ndjson");
    Files.writeString(file, "{\"payload\":{\"source\":\"cli\",\"kind\":\"EVENT\",\"payload\":\"{}\"}}\n"
        + "{\"payload\":{\"source\":7}}\n");
    String admin = gateway.key("root", io.poseidon.gateway.http.auth.Role.ADMIN);
    assertEquals(1, run("publish", "tide.ingest", "--url", url(), "--file", file.toString()), "publishing needs an admin");
    err.reset();
    assertEquals(1, run("publish", "tide.ingest", "--url", url(), "--file", file.toString(), "--key", "cli",
        "--api-key", admin));
    assertEquals(1, gateway.producer.history().size());
    assertEquals("cli", gateway.producer.history().get(0).key());
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("rejected line 2"), err.toString(StandardCharsets.UTF_8));

    err.reset();
    assertEquals(2, run("publish", "nope", "--url", url(), "--file", file.toString(), "--api-key", admin));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("no public topic nope"), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void shouldSayWhenTheGatewayCannotBeReached(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("one.ndjson");
    Files.writeString(file, "{\"source\":\"cli\",\"kind\":\"log\"}\n");
    assertEquals(3, run("ingest", "--url", "http://127.0.0.1:9", "--file", file.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot reach the gateway"), err.toString(StandardCharsets.UTF_8));
    assertEquals(2, run("ingest", "--batch", "0", "--url", url(), "--file", file.toString()), "a usage error");
  }
}
