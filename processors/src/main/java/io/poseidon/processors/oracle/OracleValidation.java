package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.topology.validation.Ids;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules a document follows beyond its Avro schema: one rule set for the gateway (a 400 with field
 * errors before anything is produced) and for the topology (a document from anyone else that breaks
 * them goes to {@code oracle.dlq} with the reason, and the index is not touched).
 */
public final class OracleValidation {

  /** Document ids: lower-case, URL- and file-name-safe ({@code runbook-payments-rollback}, {@code adr-0007}). */
  public static final Pattern DOC_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  public static final String DOC_ID_RULE = "must be 1-128 characters of a-z 0-9 . _ - starting with a letter or digit";
  public static final int MAX_TITLE_CHARS = 300;
  public static final int MAX_TAGS = 32;
  public static final int MAX_TAG_CHARS = 64;
  public static final int MAX_URI_CHARS = 2048;

  private OracleValidation() {}

  public static boolean isDocId(String value) {
    return value != null && DOC_ID.matcher(value).matches();
  }

  public static Map<String, String> check(DocumentChanged doc, int maxBodyBytes) {
    Map<String, String> problems = new LinkedHashMap<>();
    if (!isDocId(doc.getDocId())) {
      problems.put("docId", DOC_ID_RULE);
    }
    Ids.checkText("title", doc.getTitle(), MAX_TITLE_CHARS, problems);
    if (doc.getService() != null) {
      Ids.checkService("service", doc.getService(), problems);
    }
    if (doc.getTags().size() > MAX_TAGS) {
      problems.put("tags", "at most " + MAX_TAGS + " tags");
    }
    for (int i = 0; i < doc.getTags().size(); i++) {
      Ids.checkText("tags[" + i + "]", doc.getTags().get(i), MAX_TAG_CHARS, problems);
    }
    if (doc.getSourceUri() != null) {
      Ids.checkText("source.uri", doc.getSourceUri(), MAX_URI_CHARS, problems);
    }
    String body = doc.getBody();
    if (body == null || body.isBlank()) {
      problems.put("body", "must not be empty");
    } else if (body.length() > maxBodyBytes / 4 && body.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes) {
      problems.put("body", "is larger than " + maxBodyBytes + " bytes (" + OracleConfig.MAX_BODY_BYTES + ")");
    } else if (body.indexOf('\u0000') >= 0) {
      problems.put("body", "must not contain NUL characters");
    }
    return problems;
  }
}
