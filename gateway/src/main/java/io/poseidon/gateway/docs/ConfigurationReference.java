package io.poseidon.gateway.docs;

import static io.poseidon.gateway.docs.Markdown.code;

import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.RegistryHome;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.service.ServiceModule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;

/** docs/configuration.md: every config key of a node, where values come from, the command-line flags. */
final class ConfigurationReference {

  /** The node's key groups by prefix, in document order; each service's keys follow under its own heading. */
  private static final Map<String, String> NODE_GROUPS = orderedMap(
      "node", "Node",
      "kafka", "Kafka",
      "registry", "Schema registry",
      "streams", "Kafka Streams",
      "topics", "Topic creation",
      "http", "Gateway (HTTP)",
      "tracing", "Tracing (OpenTelemetry)");

  private ConfigurationReference() {}

  static String render(List<ServiceModule<?>> services) {
    StringBuilder out = new StringBuilder();
    out.append("# Configuration\n\n");
    out.append("Every setting of a Poseidon node, with its default: the keys of `PoseidonConfig` and of each "
        + "service's own config. `./poseidon dev` runs a node on a local Kafka and registry it starts itself; "
        + "`./poseidon node` runs a node against the Kafka and registry of its configuration.\n\n");
    sources(out);
    commandLine(out);
    services(out, services);
    keys(out, services);
    return out.toString();
  }

  private static void sources(StringBuilder out) {
    String bootstrap = PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS;
    out.append("## Where values come from\n\n");
    out.append("Each key takes its value from the last of these that sets it:\n\n");
    out.append("1. the default in the tables below;\n");
    out.append("2. the properties file given with `--config FILE` (`key=value` lines, keys as below);\n");
    out.append("3. the environment variable named `POSEIDON_` + the key in upper case, dots and dashes turned "
        + "into underscores (").append(code(bootstrap)).append(" → ")
        .append(code(ConfigSource.envName(bootstrap))).append(");\n");
    out.append("4. a command-line flag (`--http-port`, `--services`).\n\n");
    out.append("Other `kafka.*` keys in the file are passed, without the `kafka.` prefix, to every Kafka client "
        + "of the node (the services' Kafka Streams, the gateway's producer, the admin client): "
        + "`kafka.security.protocol=SASL_SSL` becomes `security.protocol=SASL_SSL`. Those come from the file "
        + "only: the environment overrides only the keys listed here.\n\n");
  }

  private static void commandLine(StringBuilder out) {
    Map<String, ConfigKey> node = PoseidonConfig.CONFIG.configKeys();
    out.append("## Command line\n\n");
    out.append("`./poseidon dev` starts a local stack (a single-node Kafka broker in KRaft mode inside the "
        + "node's JVM, and an Apicurio Registry child process), then a node on it. `./poseidon node` starts "
        + "only the node. Flags are written `--flag value` or `--flag=value`, and win over the environment.\n\n");
    Markdown.Table table = new Markdown.Table("Flag", "Commands", "Environment variable", "Default", "What it sets");
    table.row("`--config FILE`", "dev, node", "", "none", "the properties file (see above)");
    table.row("`--http-port N`", "dev, node", code(ConfigSource.envName(PoseidonConfig.HTTP_PORT)),
        defaultOf(node.get(PoseidonConfig.HTTP_PORT)), code(PoseidonConfig.HTTP_PORT));
    table.row("`--services a,b`", "dev, node", code(ConfigSource.envName(PoseidonConfig.NODE_SERVICES)),
        defaultOf(node.get(PoseidonConfig.NODE_SERVICES)), code(PoseidonConfig.NODE_SERVICES));
    table.row("`--data-dir DIR`", "dev", code(LocalStackConfig.ENV_DATA_DIR),
        code(LocalStackConfig.DEFAULT_DATA_DIR.toString()),
        "the local stack's directory: Kafka's log (`kafka/`), the registry's database (`registry/`), "
            + "`stack.lock`, and under `dev` the services' state stores (`streams/`)");
    table.row("`--kafka-port N`", "dev", code(LocalStackConfig.ENV_KAFKA_PORT),
        code(Integer.toString(LocalStackConfig.DEFAULT_KAFKA_PORT)),
        "the broker's client port on 127.0.0.1 (`0`: a free port)");
    table.row("`--registry-port N`", "dev", code(LocalStackConfig.ENV_REGISTRY_PORT),
        code(Integer.toString(LocalStackConfig.DEFAULT_REGISTRY_PORT)),
        "the registry's HTTP port on 127.0.0.1 (`0`: a free port)");
    table.row("`--registry-timeout SECONDS`", "dev", code(LocalStackConfig.ENV_REGISTRY_TIMEOUT),
        code(Long.toString(LocalStackConfig.DEFAULT_REGISTRY_START_TIMEOUT.toSeconds())),
        "how long the registry may take to become ready");
    table.row("", "dev", code(RegistryHome.ENV), "found by the build",
        "the unpacked Apicurio Registry distribution (`io.apicurio:apicurio-registry-app:" + RegistryHome.version()
            + ":zip:all`); the system property " + code(RegistryHome.PROPERTY) + " works too. By default, the "
            + "copy the deploy module's build unpacked, or else its zip from the local Maven repository, "
            + "unpacked once into `~/.cache/poseidon/`");
    table.row("`" + io.poseidon.deploy.local.ConnectStack.FLAG + "`", "dev", "", "off",
        "also start the Connect sinks once the node is ready: a private PostgreSQL (`<data-dir>/postgres`, database "
            + "and user `poseidon`, trust on 127.0.0.1) and a Kafka Connect worker (`<data-dir>/connect`) with the "
            + "connectors of `deploy/connect/connectors/` ([connect.md](connect.md))");
    table.row("`--postgres-port N`", "dev", code(io.poseidon.deploy.local.ConnectStack.ENV_POSTGRES_PORT),
        code(Integer.toString(io.poseidon.deploy.local.PostgresServer.DEFAULT_PORT)),
        "the private PostgreSQL's port on 127.0.0.1 (`0`: a free port)");
    table.row("", "dev", code(io.poseidon.deploy.local.ConnectStack.ENV_POSTGRES_URL), "none",
        "your own PostgreSQL for the sinks instead of the private one: `postgresql://user:password@host:port/db` or "
            + "`jdbc:postgresql://host:port/db?user=..&password=..`");
    table.row("`--connect-port N`", "dev", code(io.poseidon.deploy.local.ConnectStack.ENV_CONNECT_PORT),
        code(Integer.toString(io.poseidon.deploy.local.ConnectWorker.DEFAULT_PORT)),
        "the Connect worker's REST port on 127.0.0.1 (`0`: a free port)");
    out.append(table.render()).append('\n');
    out.append("Under `dev` the node is pointed at the local stack: ").append(code(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS))
        .append(" and ").append(code(PoseidonConfig.REGISTRY_URL))
        .append(" are those of the broker and registry it started, and ").append(code(PoseidonConfig.STREAMS_STATE_DIR))
        .append(" is `<data-dir>/streams`, whatever the file or the environment say.\n\n");
  }

  private static void services(StringBuilder out, List<ServiceModule<?>> services) {
    out.append("## Services\n\n");
    out.append("What ").append(code(PoseidonConfig.NODE_SERVICES)).append(" can name: the services of this build. "
        + "A simulator answers commands meant for real participants with made-up results; a node runs one only "
        + "with ").append(code(PoseidonConfig.NODE_ALLOW_SIMULATORS + "=true")).append(" (`./poseidon dev` sets it).\n\n");
    Markdown.Table table = new Markdown.Table("Service", "What it does", "Simulator", "Config keys",
        "`./poseidon dev` sets");
    for (ServiceModule<?> service : services) {
      table.row(code(service.name()), Markdown.text(service.description()), service.simulator() ? "yes" : "",
          service.config().configKeys().isEmpty() ? "" : code(service.name() + ".*"),
          String.join(", ", service.devDefaults().entrySet().stream().map(e -> code(e.getKey() + "=" + e.getValue()))
              .sorted().toList()));
    }
    out.append(table.render()).append('\n');
  }

  private static void keys(StringBuilder out, List<ServiceModule<?>> services) {
    Map<String, String> headings = new LinkedHashMap<>(NODE_GROUPS);
    services.forEach(s -> headings.put(s.name(), s.name() + " — " + s.description()));
    List<ConfigDef> definitions = new ArrayList<>();
    definitions.add(PoseidonConfig.CONFIG);
    services.forEach(s -> definitions.add(s.config()));
    Map<String, List<ConfigKey>> groups = new LinkedHashMap<>();
    headings.keySet().forEach(prefix -> groups.put(prefix, new ArrayList<>()));
    for (ConfigDef definition : definitions) {
      // configKeys() keeps definition order: the order the authors chose, stable from run to run
      for (ConfigKey key : definition.configKeys().values()) {
        groups.computeIfAbsent(prefixOf(key.name), p -> new ArrayList<>()).add(key);
      }
    }
    out.append("## Keys\n");
    groups.forEach((prefix, keys) -> {
      if (keys.isEmpty()) {
        return;
      }
      out.append("\n### ").append(headings.getOrDefault(prefix, prefix + ".*")).append("\n\n");
      Markdown.Table table = new Markdown.Table(
          "Key", "Environment variable", "Type", "Default", "Valid values", "Description");
      for (ConfigKey key : keys) {
        table.row(code(key.name), code(ConfigSource.envName(key.name)), typeOf(key),
            defaultOf(key), validValues(key), Markdown.text(key.documentation));
      }
      out.append(table.render());
    });
  }

  private static String prefixOf(String key) {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot);
  }

  private static String typeOf(ConfigKey key) {
    String type = key.type.name().toLowerCase(Locale.ROOT);
    return key.type == ConfigDef.Type.LIST ? type + " (comma-separated)" : type;
  }

  static String defaultOf(ConfigKey key) {
    if (!key.hasDefault()) {
      return "*required*";
    }
    if (key.defaultValue == null) {
      return "*none*";
    }
    String value = ConfigDef.convertToString(key.defaultValue, key.type);
    if (value.isEmpty()) {
      return "*empty*";
    }
    return code(value) + bytesHint(key, value);
  }

  /** {@code (16 MiB)} after a byte count, which is easier to check than 16777216. */
  private static String bytesHint(ConfigKey key, String value) {
    if (!key.name.endsWith(".bytes") || !value.matches("\\d+")) {
      return "";
    }
    long bytes = Long.parseLong(value);
    if (bytes >= 1024L * 1024 && bytes % (1024L * 1024) == 0) {
      return " (" + bytes / (1024L * 1024) + " MiB)";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return " (" + bytes / 1024 + " KiB)";
    }
    return "";
  }

  static String validValues(ConfigKey key) {
    if (key.validator == null) {
      return "";
    }
    String text = key.validator.toString();
    if (key.validator.getClass().isSynthetic() || text.contains("$$Lambda")) {
      throw new IllegalStateException("The validator of config key " + key.name + " has no readable toString(), "
          + "so docs/configuration.md cannot say what it accepts: use a ConfigDef validator class "
          + "(Range, ValidString, ValidList, ...) or describe it in " + ConfigurationReference.class.getName());
    }
    return code(text);
  }

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
