package io.poseidon.gateway;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.node.Node;
import io.poseidon.gateway.node.Services;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code poseidon} command.
 *
 * <pre>
 * poseidon dev  [--data-dir DIR] [--kafka-port N] [--registry-port N] [--registry-timeout S]
 *               [--http-port N] [--services a,b] [--config FILE]
 * poseidon node [--http-port N] [--services a,b] [--config FILE]
 * </pre>
 *
 * {@code dev} starts the local stack (a KRaft broker in this JVM and an Apicurio Registry child
 * process, data under {@code --data-dir}, default {@code .poseidon/data}) and a node on it.
 * {@code node} starts a node against the Kafka and registry of its configuration. Both stop cleanly
 * on Ctrl-C / SIGTERM.
 */
public final class PoseidonCli {

  private PoseidonCli() {}

  public static void main(String[] args) throws InterruptedException {
    LocalStackMain.useLog4j2Config();
    if (args.length == 0 || !List.of("dev", "node").contains(args[0])) {
      System.err.println("usage: poseidon dev|node [options]   (see README.md)");
      System.exit(2);
    }
    Instant started = Instant.now();
    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
    Map<String, String> overrides = new HashMap<>();
    Path configFile;
    LocalStack stack = null;
    Node node;
    try {
      configFile = takeNodeFlags(rest, overrides);
      if (args[0].equals("dev")) {
        LocalStackConfig stackConfig = LocalStackConfig.fromArgs(rest.toArray(String[]::new), System.getenv());
        progress("starting Kafka (KRaft) and Apicurio Registry, data in " + stackConfig.dataDir().toAbsolutePath());
        stack = LocalStack.start(stackConfig);
        overrides.put(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers());
        overrides.put(PoseidonConfig.REGISTRY_URL, stack.registryUrl());
        progress("Kafka on " + stack.bootstrapServers() + ", registry on " + stack.registryUrl()
            + " (" + stack.startupTime().toMillis() + " ms)");
      } else if (!rest.isEmpty()) {
        throw new IllegalArgumentException("unknown option " + rest.get(0) + " for poseidon node");
      }
      ConfigSource source = ConfigSource.load(configFile, System.getenv(), overrides, Services.configDefinitions());
      if (stack != null) {
        source = withDevDefaults(source, stack);
      }
      progress("starting node (services " + new PoseidonConfig(source).services() + ")");
      node = Node.start(source);
    } catch (IllegalArgumentException | ConfigException e) {
      System.err.println("poseidon: " + e.getMessage());
      closeQuietly(stack);
      System.exit(2);
      return;
    } catch (RuntimeException e) { // LocalStackException, NodeStartException: the message says what to do
      System.err.println("poseidon: " + describe(e));
      closeQuietly(stack);
      System.exit(1);
      return;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    LocalStack finalStack = stack;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      progress("stopping…");
      node.close();
      closeQuietly(finalStack);
      progress("stopped");
      stopped.countDown();
    }, "poseidon-shutdown"));

    String gateway = "http://" + node.config().httpHost() + ":" + node.httpPort();
    progress("node started in " + Duration.between(started, Instant.now()).toMillis() + " ms; waiting for services…");
    awaitReady(node, Duration.ofMinutes(2));
    System.out.println();
    System.out.println("  Poseidon is " + (node.isReady() ? "ready" : "starting (see /ready)"));
    System.out.println("  gateway   " + gateway + "   (GET /ready, /health, /metrics, /openapi.yaml)");
    if (finalStack != null) {
      System.out.println("  kafka     " + finalStack.bootstrapServers());
      System.out.println("  registry  " + finalStack.registryUrl().replace("/apis/registry/v2", "")
          + "   (UI at /ui)");
      System.out.println("  data      " + finalStack.dataDir().toAbsolutePath());
    }
    System.out.println("  Ctrl-C stops everything.");
    System.out.println();
    System.out.flush();
    stopped.await();
  }

  /**
   * What {@code dev} sets unless the file or the environment says otherwise: state under the stack's
   * data folder, every service this build has (simulated participants included), and a 5 s health
   * gate so a three-environment workflow finishes in about half a minute.
   */
  static ConfigSource withDevDefaults(ConfigSource source, LocalStack stack) {
    Map<String, String> defaults = new HashMap<>();
    defaults.put(PoseidonConfig.STREAMS_STATE_DIR, stack.dataDir().resolve("streams").toString());
    defaults.put(PoseidonConfig.NODE_SERVICES, String.join(",", Services.available()));
    defaults.put(HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "5");
    source.values().keySet().forEach(defaults::remove);
    return source.with(defaults);
  }

  private static Path takeNodeFlags(List<String> args, Map<String, String> overrides) {
    Path configFile = null;
    List<String> left = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      String inline = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
      if (!List.of("--http-port", "--services", "--config").contains(name)) {
        left.add(arg);
        continue;
      }
      String value = inline;
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("missing value after " + name);
        }
        value = args.get(++i);
      }
      switch (name) {
        case "--http-port" -> overrides.put(PoseidonConfig.HTTP_PORT, value);
        case "--services" -> overrides.put(PoseidonConfig.NODE_SERVICES, value);
        default -> configFile = Path.of(value);
      }
    }
    args.clear();
    args.addAll(left);
    return configFile;
  }

  private static void awaitReady(Node node, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!node.isReady() && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
    }
  }

  private static void progress(String message) {
    System.out.println("[poseidon] " + message);
    System.out.flush();
  }

  /** The message and the causes' messages: "Failed to construct kafka producer" alone helps nobody. */
  static String describe(Throwable e) {
    StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !out.toString().contains(c.getMessage())) {
        out.append("\n  caused by: ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
      }
    }
    return out.toString();
  }

  private static void closeQuietly(LocalStack stack) {
    if (stack != null) {
      try {
        stack.close();
      } catch (RuntimeException e) {
        System.err.println("poseidon: stopping the local stack: " + e.getMessage());
      }
    }
  }
}
