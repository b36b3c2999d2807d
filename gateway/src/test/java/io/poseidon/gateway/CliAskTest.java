package io.poseidon.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.oracle.Embedder;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code poseidon ask}: requests resolved to the command they mean by MiniLM similarity (the real model),
 * with their arguments from the sentence; questions left to oracle; nothing run without a confirmation.
 */
class CliAskTest {

  private static final CommandMatcher MATCHER = new CommandMatcher(Embedder.shared());
  private CliFakeGateway gateway;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    gateway = new CliFakeGateway();
    OpsCommands.terminal = false;
  }

  @AfterEach
  void stop() {
    SearchCommands.AskCommand.answers = null;
    OpsCommands.terminal = null;
    gateway.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "deploy payments 1.4.2 to staging | poseidon deploy payments 1.4.2 --env staging --wait",
      "deploy payments 1.4.2 to staging and prod | poseidon deploy payments 1.4.2 --env staging,prod --wait",
      "please roll out checkout v2.0.1 to dev, staging and prod | poseidon deploy checkout 2.0.1 --env dev,staging,prod --wait",
      "ship billing 3.1.0 to production | poseidon deploy billing 3.1.0 --env prod --wait",
      "release version 1.4.2 of payments to staging with canary | poseidon deploy payments 1.4.2 --env staging --strategy canary --wait",
      "show deployment checkout.5b1e8a3c-0f4e-3d2a-9c61-7f0e2b9a1d44 | poseidon query deployment checkout.5b1e8a3c-0f4e-3d2a-9c61-7f0e2b9a1d44",
      "status | poseidon status",
      "show me the platform status | poseidon status",
      "tail the deployment events of payments | poseidon tail harbor.deployment-events --key payments",
      "watch deployments of checkout | poseidon tail harbor.deployment-events --key checkout",
      "follow harbor.deployment-events | poseidon tail harbor.deployment-events",
      "health of payments | poseidon query health payments",
      "show the config of payments in prod | poseidon query config payments/prod",
      "list instances of payments | poseidon query instances payments",
      "versions of payments | poseidon query versions payments",
      "run the workflow for commit 3f2a9c1 of payments | poseidon commit payments 3f2a9c1 --wait",
      "show workflow 0b6f0c52-1b7e-4d7a-9a77-1f2c3d4e5f60 | poseidon query workflow 0b6f0c52-1b7e-4d7a-9a77-1f2c3d4e5f60",
      "show pipeline run run-42a | poseidon query pipeline run-42a"})
  void shouldResolveARequestToTheCommandItMeans(String sentence, String expected) {
    Optional<CommandMatcher.Match> match = MATCHER.match(sentence);
    assertTrue(match.isPresent(), sentence + " is a request");
    assertEquals(expected, match.get().commandLine(), "similarity " + match.get().score() + " with " + match.get().phrase());
  }

  @ParameterizedTest
  @ValueSource(strings = {"how do I roll back a deployment", "what is a health gate",
      "why did the deployment of checkout fail", "the health gate timeout", "cursor pagination",
      "rollback procedure for payments", "incident notes about kafka", "runbook for the registry",
      "where is the data directory", "explain exactly once", "kafka streams state stores", "deployment strategy canary",
      "payments database password rotation", "alert rules for latency", "can I deploy payments 1.4.2 to prod?"})
  void shouldLeaveQuestionsToOracle(String question) {
    Optional<CommandMatcher.Match> match = MATCHER.match(question);
    assertFalse(match.isPresent(), () -> question + " is a question, not " + match.get().commandLine() + " ("
        + match.get().score() + ")");
  }

  @Test
  void shouldSayWhatARequestMissesInsteadOfGuessing() {
    CommandMatcher.Match match = MATCHER.match("deploy payments to staging").orElseThrow();
    assertEquals("deploy", match.intent());
    assertEquals(List.of("version"), match.missing());
    assertEquals(2, ask("deploy payments to staging"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("names no version"), err.toString(StandardCharsets.UTF_8));
  }

  private int ask(String... args) {
    String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("ask"), java.util.stream.Stream.concat(
        java.util.Arrays.stream(args), java.util.stream.Stream.of("--url", gateway.url()))).toArray(String[]::new);
    return SearchCommands.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void shouldPrintTheResolvedCommandAndNotRunItWithoutAConfirmation() {
    assertEquals(2, ask("deploy payments 1.4.2 to staging"));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("→ poseidon deploy payments 1.4.2 --env staging --wait"),
        out.toString(StandardCharsets.UTF_8));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("not run"), err.toString(StandardCharsets.UTF_8));
    assertFalse(gateway.requests.contains("POST /api/v1/deployments"), "nothing was sent");

    SearchCommands.AskCommand.answers = new BufferedReader(new StringReader("n\n"));
    assertEquals(2, ask("deploy payments 1.4.2 to staging"));
    assertFalse(gateway.requests.contains("POST /api/v1/deployments"), "declined");
  }

  @Test
  void shouldRunTheResolvedCommandOnceConfirmed() {
    SearchCommands.AskCommand.answers = new BufferedReader(new StringReader("y\n"));
    assertEquals(0, ask("deploy payments 1.4.2 to staging"), err.toString(StandardCharsets.UTF_8));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("run it? [y/N]"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("SUCCEEDED"), out.toString(StandardCharsets.UTF_8));
    assertTrue(gateway.requests.contains("POST /api/v1/deployments"));
  }

  @Test
  void shouldRunWithYesAndPrintJson() {
    assertEquals(0, ask("status", "--yes", "--output", "json"), err.toString(StandardCharsets.UTF_8));
    JsonObject status = new JsonObject(out.toString(StandardCharsets.UTF_8));
    assertTrue(status.containsKey("services"), status.encode());
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("→ poseidon status"), "the resolution on stderr");
  }

  @Test
  void shouldSendAQuestionToOracle() {
    assertEquals(0, ask("how do I roll back a deployment"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("A failed health gate rolls the deployment back. [1]"),
        out.toString(StandardCharsets.UTF_8));
    assertTrue(gateway.requests.stream().anyMatch(r -> r.startsWith("GET /api/v1/answer?q=how+do+I+roll+back")),
        gateway.requests.toString());
  }
}
