package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OracleValidationTest {

  private static DocumentChanged doc(String docId, String body, List<String> tags) {
    return DocumentChanged.newBuilder().setDocId(docId).setTitle("Title").setKind(DocumentKind.NOTE).setService(null)
        .setTags(tags).setBody(body).setSourceUri(null).setAttributes(Map.of()).build();
  }

  @Test
  void aBodyIsMeasuredInUtf8Bytes() {
    String ascii = "a".repeat(1000);
    String multiByte = "é".repeat(600); // 1,200 bytes
    assertTrue(OracleValidation.check(doc("d", ascii, List.of()), 1000).isEmpty());
    assertEquals(Map.of("body", "is larger than 1000 bytes (oracle.max.body.bytes)"),
        OracleValidation.check(doc("d", multiByte, List.of()), 1000));
  }

  @Test
  void idsTagsAndTextFollowTheRules() {
    Map<String, String> problems = OracleValidation.check(doc("-bad", "body", List.of("ok", "", "x".repeat(65))), 1000);
    assertEquals(List.of("docId", "tags[1]", "tags[2]"), List.copyOf(problems.keySet()));
    assertTrue(OracleValidation.check(doc("adr-0007.md", "body\u0000", List.of()), 1000).containsKey("body"));
  }
}
