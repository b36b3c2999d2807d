package io.poseidon.gateway.docs;

import java.util.ArrayList;
import java.util.List;

/** The few Markdown pieces the reference documents are made of. */
final class Markdown {

  private Markdown() {}

  /** {@code text} as inline code (an empty string shows as {@code ""}). */
  static String code(String text) {
    if (text.isEmpty()) {
      return "`\"\"`";
    }
    return text.contains("`") ? "`` " + text + " ``" : "`" + text + "`";
  }

  /**
   * Prose written for people elsewhere (a schema's or a config key's doc), made safe for Markdown:
   * {@code <domain>} would otherwise be read as an HTML tag and vanish.
   */
  static String text(String prose) {
    return prose == null ? "" : prose.strip().replace("<", "&lt;").replace(">", "&gt;");
  }

  static String link(String text, String target) {
    return "[" + text + "](" + target + ")";
  }

  /** An HTML anchor to link to with {@code #id}, stable whatever the heading says. */
  static String anchor(String id) {
    return "<a id=\"" + id + "\"></a>";
  }

  /** A pipe table; cells may hold any text (pipes are escaped, line breaks become spaces). */
  static final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
      this.headers = List.of(headers);
    }

    Table row(String... cells) {
      if (cells.length != headers.size()) {
        throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + cells.length);
      }
      rows.add(List.of(cells));
      return this;
    }

    boolean isEmpty() {
      return rows.isEmpty();
    }

    String render() {
      StringBuilder out = new StringBuilder();
      line(out, headers);
      out.append('|');
      headers.forEach(h -> out.append("---|"));
      out.append('\n');
      rows.forEach(r -> line(out, r));
      return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells) {
      out.append('|');
      for (String cell : cells) {
        out.append(' ').append(escape(cell)).append(" |");
      }
      out.append('\n');
    }

    private static String escape(String cell) {
      return cell.replace("\r\n", " ").replace('\n', ' ').replace("|", "\\|").strip();
    }
  }
}
