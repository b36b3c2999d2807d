package io.poseidon.gateway;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The progress of a deployment per environment (or of a workflow per step) in the terminal: a header and
 * one line per row. On a terminal the block is redrawn in place as rows change (ANSI cursor moves); on
 * anything else (a file, a pipe, CI) each change is one appended line, so a log reads as a history.
 */
final class Progress {

  /** One row: its name, a state word (PENDING, RUNNING, COMPLETED ...) and what it is doing. */
  record Row(String name, String state, String text) {}

  private final PrintWriter out;
  private final boolean tty;
  private final Clock clock;
  private final Instant started;
  private final Map<String, Row> rows = new LinkedHashMap<>();
  private String header = "";
  private int drawn;

  Progress(PrintWriter out, boolean tty, Clock clock, List<String> names) {
    this.out = out;
    this.tty = tty;
    this.clock = clock;
    this.started = clock.instant();
    names.forEach(n -> rows.put(n, new Row(n, "PENDING", "pending")));
  }

  /** The header line (what it is and its status). */
  void header(String text) {
    if (!text.equals(header)) {
      header = text;
      if (tty) {
        redraw();
      } else {
        out.println(stamp() + text);
        out.flush();
      }
    }
  }

  /** Row {@code name} is now {@code state}: {@code text}; a new name becomes a new row. */
  void update(String name, String state, String text) {
    Row row = new Row(name, state, text);
    if (row.equals(rows.get(name))) {
      return;
    }
    rows.put(name, row);
    if (tty) {
      redraw();
    } else {
      out.println(stamp() + line(row).strip());
      out.flush();
    }
  }

  /** The lines of the block as drawn now (what a terminal shows). */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add(header);
    rows.values().forEach(r -> lines.add(line(r)));
    return lines;
  }

  private void redraw() {
    StringBuilder s = new StringBuilder();
    if (drawn > 0) {
      s.append("\033[").append(drawn).append('A');
    }
    List<String> lines = lines();
    for (String line : lines) {
      s.append("\r\033[2K").append(line).append('\n');
    }
    drawn = lines.size();
    out.print(s);
    out.flush();
  }

  private String line(Row row) {
    int width = rows.keySet().stream().mapToInt(String::length).max().orElse(4);
    return String.format(Locale.ROOT, "  %s %-" + width + "s  %s", symbol(row.state()), row.name(), row.text());
  }

  /** A mark per state: · pending, … running, ✓ done, ✗ failed, ↩ rolled back. */
  static String symbol(String state) {
    return switch (state) {
      case "COMPLETED", "SUCCEEDED", "PROMOTED" -> "✓";
      case "FAILED", "CANCELLED", "FAILED_NEEDS_ATTENTION" -> "✗";
      case "ROLLED_BACK" -> "↩";
      case "PENDING", "QUEUED" -> "·";
      default -> "…";
    };
  }

  private String stamp() {
    Duration d = Duration.between(started, clock.instant());
    return String.format(Locale.ROOT, "[%5.1fs] ", d.toMillis() / 1000.0);
  }
}
