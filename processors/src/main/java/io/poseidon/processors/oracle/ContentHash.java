package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.DocumentChanged;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * SHA-256 of a document's normalized content: what a search sees of it (title, kind, service, tags, body),
 * Unicode NFC, line endings unified, trailing spaces of lines and blank lines at the ends dropped. Two
 * versions with the same hash index the same; the second is skipped ({@code SKIPPED_UNCHANGED}).
 */
public final class ContentHash {

  private ContentHash() {}

  public static String of(DocumentChanged doc) {
    StringBuilder content = new StringBuilder();
    content.append(normalize(doc.getTitle())).append('\u0001').append(doc.getKind()).append('\u0001')
        .append(doc.getService() == null ? "" : doc.getService()).append('\u0001')
        .append(String.join(",", new TreeSet<>(doc.getTags()))).append('\u0001')
        .append(doc.getSourceUri() == null ? "" : doc.getSourceUri()).append('\u0001')
        .append(normalize(doc.getBody()));
    return sha256(content.toString());
  }

  static String normalize(String text) {
    String nfc = Normalizer.normalize(text, Normalizer.Form.NFC).replace("\r\n", "\n").replace('\r', '\n');
    StringBuilder out = new StringBuilder(nfc.length());
    for (String line : nfc.split("\n", -1)) {
      out.append(line.stripTrailing()).append('\n');
    }
    return out.toString().strip();
  }

  public static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
