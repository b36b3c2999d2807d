package io.poseidon.gateway;

import io.poseidon.deploy.local.ConnectStack;
import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.node.Services;
import io.poseidon.topology.config.PoseidonConfig;
import java.util.List;
import java.util.Map;

/**
 * {@code poseidon dev}: the local stack (a KRaft broker in this JVM and an Apicurio Registry child
 * process, data under {@code --data-dir}, default {@code .poseidon/data}), then a node with every
 * service of the build on it, on loopback, anonymous callers acting as operators and an admin key in
 * {@code .poseidon/admin-key} (created on the first start, mode 600, printed with the addresses). The only class of the gateway that needs the local stack
 * ({@code poseidon-deploy}, provided scope): {@code ./poseidon node} never loads it.
 */
final class DevCommand {

  private DevCommand() {}

  static void main(List<String> args) throws InterruptedException {
    try {
      Class.forName("io.poseidon.deploy.local.LocalStack");
    } catch (ClassNotFoundException e) {
      System.err.println("poseidon: dev needs the local stack on the classpath (gateway/target/dev.classpath); "
          + "run it with ./poseidon dev");
      System.exit(2);
    }
    LocalStackMain.useLog4j2Config();
    PoseidonCli.run(args, DevCommand::startStack);
  }

  private static PoseidonCli.Stack startStack(String[] flags) {
    List<String> rest = new java.util.ArrayList<>(List.of(flags));
    ConnectStack.Config sinks = ConnectStack.Config.take(rest, System.getenv());
    LocalStackConfig config = LocalStackConfig.fromArgs(rest.toArray(String[]::new), System.getenv());
    if (sinks.enabled()) {
      ConnectStack.checkPorts(sinks); // fail before anything starts: the message names the flag
    }
    PoseidonCli.progress("starting Kafka (KRaft) and Apicurio Registry, data in " + config.dataDir().toAbsolutePath());
    LocalStack stack = LocalStack.start(config);
    PoseidonCli.progress("Kafka on " + stack.bootstrapServers() + ", registry on " + stack.registryUrl()
        + " (" + stack.startupTime().toMillis() + " ms)");
    java.nio.file.Path adminKeyFile = adminKeyFile(stack);
    String adminKey = io.poseidon.gateway.http.auth.AdminKeyFile.readOrCreate(adminKeyFile);
    java.util.concurrent.atomic.AtomicReference<ConnectStack> connect = new java.util.concurrent.atomic.AtomicReference<>();
    return new PoseidonCli.Stack() {
      @Override
      public String bootstrapServers() {
        return stack.bootstrapServers();
      }

      @Override
      public String registryUrl() {
        return stack.registryUrl();
      }

      @Override
      public List<String> addresses() {
        List<String> lines = new java.util.ArrayList<>(List.of(
            "kafka     " + stack.bootstrapServers(),
            "registry  " + stack.registryUrl().replace("/apis/registry/v2", "") + "   (UI at /ui)",
            "data      " + stack.dataDir().toAbsolutePath(),
            "admin key " + adminKey + "   (in " + adminKeyFile + "; send it as X-API-Key)"));
        if (sinks.enabled()) {
          lines.add("sinks     PostgreSQL and Kafka Connect are starting (" + ConnectStack.FLAG + "): a line follows when "
              + "the connectors run");
        }
        return lines;
      }

      @Override
      public Map<String, String> nodeDefaults() {
        return devDefaults(stack);
      }

      @Override
      public void onReady(io.poseidon.gateway.node.Node node, String gateway) {
        if (node.config().services().contains("oracle")) {
          ProjectDocs.index(java.nio.file.Path.of("").toAbsolutePath(), gateway, adminKey);
        }
        if (sinks.enabled()) {
          startSinks(stack, sinks, connect);
        }
      }

      @Override
      public void close() {
        try {
          ConnectStack sinksStack = connect.getAndSet(null);
          if (sinksStack != null) {
            sinksStack.close();
          }
        } finally {
          stack.close();
        }
      }
    };
  }

  /**
   * The sinks start once the node is ready (its topics exist then: a connector never waits on a topic the
   * node has yet to create). A failure is printed with what to do; the node keeps running without them.
   */
  private static void startSinks(LocalStack stack, ConnectStack.Config sinks,
      java.util.concurrent.atomic.AtomicReference<ConnectStack> started) {
    long begin = System.nanoTime();
    PoseidonCli.progress("sinks: starting " + (sinks.postgresUrl() == null ? "PostgreSQL (data in "
        + stack.dataDir().resolve("postgres") + ") and " : "") + "Kafka Connect…");
    try {
      ConnectStack connect = ConnectStack.start(stack, sinks);
      started.set(connect);
      String db = connect.postgres() == null ? connect.database().jdbcUrl()
          : "psql -h 127.0.0.1 -p " + connect.postgres().port() + " -U poseidon poseidon";
      PoseidonCli.progress("sinks: " + connect.connectors().size() + " connectors running on Kafka Connect "
          + connect.worker().url() + " (" + (System.nanoTime() - begin) / 1_000_000 + " ms); history in PostgreSQL: "
          + db + " (docs/connect.md)");
    } catch (RuntimeException e) {
      System.err.println("poseidon: the Connect sinks did not start (the node keeps running without them): "
          + PoseidonCli.describe(e));
    }
  }

  /**
   * What {@code dev} sets unless the file or the environment says otherwise: state under the stack's
   * data folder, every service this build has (simulated participants included, so simulators are
   * allowed), and each service's own dev defaults ({@code ServiceModule.devDefaults}).
   */
  static Map<String, String> devDefaults(LocalStack stack) {
    Map<String, String> defaults = new java.util.LinkedHashMap<>();
    Services.modules().forEach(m -> defaults.putAll(m.devDefaults()));
    defaults.put(PoseidonConfig.STREAMS_STATE_DIR, stack.dataDir().resolve("streams").toString());
    defaults.put(PoseidonConfig.NODE_SERVICES, String.join(",", Services.names()));
    defaults.put(PoseidonConfig.NODE_ALLOW_SIMULATORS, "true");
    // access control on, but the local stack can be driven with plain curl (docs/security.md)
    defaults.put(PoseidonConfig.HTTP_HOST, "127.0.0.1");
    defaults.put(PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE, "operator");
    defaults.put(PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE, adminKeyFile(stack).toString());
    // anchor's dev master key beside it (generated on the first start: anchor.master-keys.generate)
    defaults.put(io.poseidon.processors.anchor.AnchorConfig.MASTER_KEYS_FILE,
        adminKeyFile(stack).resolveSibling("master-keys").toString());
    return defaults;
  }

  /** {@code .poseidon/admin-key}: beside the data folder, so a wiped data folder keeps the key. */
  static java.nio.file.Path adminKeyFile(LocalStack stack) {
    java.nio.file.Path parent = stack.dataDir().toAbsolutePath().getParent();
    return (parent == null ? stack.dataDir() : parent).resolve("admin-key");
  }
}
