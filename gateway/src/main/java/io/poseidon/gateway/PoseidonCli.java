package io.poseidon.gateway;

import io.poseidon.gateway.node.Node;
import io.poseidon.gateway.node.Services;
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
 * poseidon publish TOPIC [--file F.ndjson] [--key K | --key-field PATH] [--url URL]
 * poseidon ingest [--file F.ndjson] [--batch N] [--url URL]
 * poseidon status | tail TOPIC | deploy SERVICE VERSION --env E | query KIND ID | commit SERVICE SHA
 * </pre>
 *
 * {@code node} starts a node against the Kafka and registry of its configuration: what production runs,
 * on the node's classpath only. {@code dev} ({@link DevCommand}) first starts the local stack — a KRaft
 * broker in this JVM and an Apicurio Registry child process — which needs the dev classpath
 * ({@code ./poseidon dev} adds it). Both stop cleanly on Ctrl-C / SIGTERM. {@code publish} and
 * {@code ingest} ({@link ClientCommands}), {@code search} and {@code ask} ({@link SearchCommands}),
 * {@code status}, {@code tail}, {@code deploy}, {@code query} and {@code commit} ({@link OpsCommands}) are
 * clients of a running node (docs/cli.md).
 */
public final class PoseidonCli {

  static final String NODE_LOG_CONFIG = "poseidon-node-log4j2.xml";

  private PoseidonCli() {}

  /** Points Log4j 2 at {@code resource} unless the JVM was told another configuration. */
  static void useLog4j2Config(String resource) {
    if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", resource);
    }
  }

  /** What {@code dev} started before the node, and how to stop it. */
  interface Stack extends AutoCloseable {
    String bootstrapServers();

    String registryUrl();

    /** Lines for the "ready" banner: kafka, registry, data. */
    List<String> addresses();

    /** Settings {@code dev} gives the node unless the file or the environment say otherwise. */
    Map<String, String> nodeDefaults();

    /** Runs once the node is ready (on its own thread): what dev does with a running node. */
    default void onReady(Node node, String gateway) {}

    @Override
    void close();
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && List.of("publish", "ingest").contains(args[0])) {
      System.exit(ClientCommands.run(args, System.out, System.err));
    }
    if (args.length > 0 && OpsCommands.NAMES.contains(args[0])) {
      System.exit(OpsCommands.run(args, System.out, System.err));
    }
    if (args.length > 0 && List.of("search", "ask").contains(args[0])) {
      System.exit(SearchCommands.run(args, System.out, System.err));
    }
    if (args.length > 0 && args[0].equals("admin-key")) {
      System.exit(adminKey(List.of(args).subList(1, args.length), System.out, System.err));
    }
    if (args.length == 0 || !List.of("dev", "node").contains(args[0])) {
      System.err.println("usage: poseidon dev|node|publish|ingest|search|ask|status|tail|deploy|query|commit|admin-key "
          + "[options]   (see README.md and docs/cli.md; <command> --help)");
      System.exit(2);
    }
    if (args[0].equals("dev")) {
      DevCommand.main(List.of(args).subList(1, args.length));
    } else {
      useLog4j2Config(NODE_LOG_CONFIG);
      run(List.of(args).subList(1, args.length), null);
    }
  }

  /**
   * {@code poseidon admin-key FILE}: a new admin API key written to FILE (mode 600) for
   * {@code http.auth.admin-key-file} — how a production node gets its first admin; a file that exists is
   * left as it is. The exit code.
   */
  static int adminKey(List<String> args, java.io.PrintStream out, java.io.PrintStream err) {
    if (args.size() != 1 || args.get(0).startsWith("-")) {
      err.println("usage: poseidon admin-key FILE   (writes a new admin API key to FILE, mode 600; then set "
          + PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE + "=FILE on the nodes)");
      return 2;
    }
    java.nio.file.Path file = java.nio.file.Path.of(args.get(0));
    boolean existed = java.nio.file.Files.exists(file);
    try {
      String key = io.poseidon.gateway.http.auth.AdminKeyFile.readOrCreate(file);
      out.println((existed ? "kept the admin key already in " : "wrote a new admin key to ") + file.toAbsolutePath()
          + " (key id " + io.poseidon.gateway.http.auth.ApiKeys.keyIdOf(key).orElseThrow() + "); set "
          + PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE + "=" + file.toAbsolutePath() + " on every node (each makes it "
          + "valid at start); send it as X-API-Key");
      return 0;
    } catch (RuntimeException e) {
      err.println("poseidon: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Starts a node with the node flags of {@code args}, on {@code stack} when given (it is closed on stop
   * and on failure), waits until it is ready and serves until Ctrl-C / SIGTERM.
   *
   * @param startStack starts the local stack from the flags left over, or null for a plain node
   */
  static void run(List<String> args, java.util.function.Function<String[], Stack> startStack)
      throws InterruptedException {
    Instant started = Instant.now();
    List<String> rest = new ArrayList<>(args);
    Map<String, String> overrides = new HashMap<>();
    Stack stack = null;
    Node node;
    try {
      Path configFile = takeNodeFlags(rest, overrides);
      if (startStack != null) {
        stack = startStack.apply(rest.toArray(String[]::new));
        overrides.put(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers());
        overrides.put(PoseidonConfig.REGISTRY_URL, stack.registryUrl());
      } else if (!rest.isEmpty()) {
        throw new IllegalArgumentException("unknown option " + rest.get(0) + " for poseidon node");
      }
      ConfigSource source = ConfigSource.load(configFile, System.getenv(), overrides,
          Services.configDefinitions().toArray(org.apache.kafka.common.config.ConfigDef[]::new));
      if (stack != null) {
        source = withDefaults(source, stack.nodeDefaults());
      }
      progress("starting node (services " + new PoseidonConfig(source).services() + ")");
      node = Node.start(source);
    } catch (IllegalArgumentException | ConfigException e) {
      System.err.println("poseidon: " + e.getMessage());
      closeQuietly(stack);
      System.exit(2);
      return;
    } catch (RuntimeException e) { // LocalStackException, NodeStartException, RegistryException: the message says what to do
      System.err.println("poseidon: " + describe(e));
      if (!expected(e)) {
        e.printStackTrace(); // not one of ours: whoever reports it needs where it came from
      }
      closeQuietly(stack);
      System.exit(1);
      return;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Stack finalStack = stack;
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
      finalStack.addresses().forEach(line -> System.out.println("  " + line));
    }
    System.out.println("  Ctrl-C stops everything.");
    System.out.println();
    if (finalStack != null && node.isReady()) {
      Thread ready = new Thread(() -> finalStack.onReady(node, gateway), "poseidon-dev-ready");
      ready.setDaemon(true);
      ready.start();
    }
    System.out.flush();
    stopped.await();
  }

  /** {@code source} with {@code defaults} for the keys neither the file nor the environment set. */
  static ConfigSource withDefaults(ConfigSource source, Map<String, String> defaults) {
    Map<String, String> missing = new HashMap<>(defaults);
    source.values().keySet().forEach(missing::remove);
    return source.with(missing);
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

  static void progress(String message) {
    System.out.println("[poseidon] " + message);
    System.out.flush();
  }

  /** The message and the causes' messages: "Failed to construct kafka producer" alone helps nobody. */
  /** The failures whose message says what to do; anything else is a bug somewhere and gets its stack trace. */
  private static boolean expected(RuntimeException e) {
    return e instanceof io.poseidon.gateway.node.NodeStartException
        || e instanceof io.poseidon.topology.serde.RegistryRules.RegistryException
        || e.getClass().getName().equals("io.poseidon.deploy.local.LocalStackException");
  }

  static String describe(Throwable e) {
    StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !out.toString().contains(c.getMessage())) {
        out.append("\n  caused by: ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
      }
    }
    return out.toString();
  }

  private static void closeQuietly(Stack stack) {
    if (stack != null) {
      try {
        stack.close();
      } catch (RuntimeException e) {
        System.err.println("poseidon: stopping the local stack: " + e.getMessage());
      }
    }
  }
}
