package io.poseidon.topology.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Durations in config: {@code 30d}, {@code 12h}, {@code 15m}, {@code 90s}, {@code 500ms}, or ISO-8601
 * ({@code P30D}, {@code PT1H30M}). Keys of this type are STRING keys; read them with {@link #parse}.
 */
public final class DurationValidator implements ConfigDef.Validator {

  private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final Duration min;

  public DurationValidator(Duration min) {
    this.min = min;
  }

  public static Duration parse(String value) {
    String text = value.trim();
    Matcher m = SIMPLE.matcher(text.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + value + "' is not a duration (30d, 12h, 15m, 90s, 500ms or P30D)", e);
    }
  }

  @Override
  public void ensureValid(String name, Object value) {
    Duration d;
    try {
      d = parse(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, value, e.getMessage());
    }
    if (d.compareTo(min) < 0) {
      throw new ConfigException(name, value, "must be at least " + min);
    }
  }

  @Override
  public String toString() {
    return "a duration of at least " + min.toSeconds() + " s: 30d, 12h, 15m, 90s, 500ms or ISO-8601 (P30D)";
  }
}
