package io.poseidon.loadtests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The benchmark's settings. Each comes from {@code --name value} (or {@code --name=value}), else the
 * system property {@code bench.name}, else the default:
 *
 * <pre>
 * --rates 500,1000,2000   target rates in requests/s, one phase pair (raw Kafka, Poseidon) per rate
 * --seconds 15            measured seconds per phase
 * --warmup 5              warm-up seconds per phase (same rate, not recorded)
 * --jvm-warmup 10         once before everything: seconds of each path at the first rate, not recorded
 * --max-in-flight 1024    outstanding requests at most per phase
 * --connections 64        HTTP/1.1 connections to the gateway at most
 * --probe-every 100       probe GET visibility of every N-th measured registration (0: off)
 * --out load-tests/results  where the report goes
 * --saturate 0            start rate of a saturation search of both paths (0: none), ×1.25 per step
 * --saturation-seconds 8  measured seconds per saturation step (after 3 s of warm-up)
 * --jfr-rate 0            record a JFR profile of the Poseidon phase at this rate of --rates (0: none)
 * </pre>
 */
public record BenchmarkOptions(List<Integer> rates, Duration measured, Duration warmup, Duration jvmWarmup,
    int maxInFlight, int connections, int probeEvery, Path outDir, int saturateFrom, Duration saturationStep,
    int jfrRate) {

  /** p99 above this ends a saturation search. */
  static final double SATURATION_P99_MS = 50;
  static final double SATURATION_FACTOR = 1.25;
  static final int SATURATION_MAX = 200_000;
  static final Duration SATURATION_WARMUP = Duration.ofSeconds(3);

  static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("rates", "500,1000,2000");
    DEFAULTS.put("seconds", "15");
    DEFAULTS.put("warmup", "5");
    DEFAULTS.put("jvm-warmup", "10");
    DEFAULTS.put("max-in-flight", "1024");
    DEFAULTS.put("connections", "64");
    DEFAULTS.put("probe-every", "100");
    DEFAULTS.put("out", Files.isDirectory(Path.of("load-tests")) ? "load-tests/results" : "results");
    DEFAULTS.put("saturate", "0");
    DEFAULTS.put("saturation-seconds", "8");
    DEFAULTS.put("jfr-rate", "0");
  }

  /** @throws IllegalArgumentException with a message for the user on an unknown option or a bad value */
  public static BenchmarkOptions parse(String[] args, Properties system) {
    Map<String, String> values = values(args, system, DEFAULTS);
    List<Integer> rates = new ArrayList<>();
    for (String r : values.get("rates").split(",")) {
      rates.add(positive("rates", r.trim()));
    }
    return new BenchmarkOptions(List.copyOf(rates), Duration.ofSeconds(positive("seconds", values.get("seconds"))),
        Duration.ofSeconds(nonNegative("warmup", values.get("warmup"))),
        Duration.ofSeconds(nonNegative("jvm-warmup", values.get("jvm-warmup"))),
        positive("max-in-flight", values.get("max-in-flight")), positive("connections", values.get("connections")),
        nonNegative("probe-every", values.get("probe-every")), Path.of(values.get("out")),
        nonNegative("saturate", values.get("saturate")),
        Duration.ofSeconds(positive("saturation-seconds", values.get("saturation-seconds"))),
        nonNegative("jfr-rate", values.get("jfr-rate")));
  }

  /**
   * The node settings of a {@code --node-config key=value,key=value} option (both paths of a benchmark run
   * with them: {@code streams.rocksdb.write.buffer.bytes=...}); empty for an empty option.
   */
  public static Map<String, String> nodeConfig(String spec) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String pair : spec.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--node-config takes key=value pairs separated by commas, got " + pair);
      }
      settings.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return settings;
  }

  public static String usage() {
    return usage(DEFAULTS);
  }

  /**
   * The options of a benchmark with its own set of them ({@code defaults}: name → default value, in the
   * order they are listed): each from {@code --name value} or {@code --name=value}, else the system
   * property {@code bench.name}, else its default. Checking the values is the caller's.
   *
   * @throws IllegalArgumentException with a message for the user on an unknown option or a missing value
   */
  public static Map<String, String> values(String[] args, Properties system, Map<String, String> defaults) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    defaults.keySet().forEach(name -> {
      String fromProperty = system.getProperty("bench." + name);
      if (fromProperty != null && !fromProperty.isBlank()) {
        values.put(name, fromProperty);
      }
    });
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + usage(defaults));
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(2, eq) : arg.substring(2);
      if (!defaults.containsKey(name)) {
        throw new IllegalArgumentException("unknown option " + arg + "\n" + usage(defaults));
      }
      if (eq > 0) {
        values.put(name, arg.substring(eq + 1));
      } else if (i + 1 < args.length) {
        values.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException("missing value after " + arg);
      }
    }
    return values;
  }

  /** The options and their defaults, one a line. */
  public static String usage(Map<String, String> defaults) {
    StringBuilder out = new StringBuilder("options (system property bench.<name> works too):");
    defaults.forEach((name, value) -> out.append("\n  --").append(name).append(' ').append(value));
    return out.toString();
  }

  /** The command line that reproduces these options. */
  public String commandLine() {
    return "--rates " + String.join(",", rates.stream().map(String::valueOf).toList())
        + " --seconds " + measured.toSeconds() + " --warmup " + warmup.toSeconds() + " --jvm-warmup " + jvmWarmup.toSeconds()
        + " --max-in-flight " + maxInFlight + " --connections " + connections + " --probe-every " + probeEvery
        + (saturateFrom > 0 ? " --saturate " + saturateFrom + " --saturation-seconds " + saturationStep.toSeconds() : "")
        + (jfrRate > 0 ? " --jfr-rate " + jfrRate : "");
  }

  static int positive(String name, String value) {
    int n = number(name, value);
    if (n <= 0) {
      throw new IllegalArgumentException("--" + name + " must be positive, got " + value);
    }
    return n;
  }

  static int nonNegative(String name, String value) {
    int n = number(name, value);
    if (n < 0) {
      throw new IllegalArgumentException("--" + name + " must be >= 0, got " + value);
    }
    return n;
  }

  private static int number(String name, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + value + "'");
    }
  }
}
