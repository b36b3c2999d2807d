package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BodiesTest {

  private static String messageOf(String json) {
    try {
      new ObjectMapper().readValue(json, Object.class);
      throw new AssertionError("parsed: " + json);
    } catch (JsonProcessingException e) {
      return Bodies.safeMessage(e);
    }
  }

  @Test
  void shouldNeverEchoTheBodysTextInAParseError() {
    String unquoted = messageOf("{\"value\": hunter2}");
    assertFalse(unquoted.contains("hunter2"), unquoted);
    assertTrue(unquoted.startsWith("Unrecognized token"), unquoted);
    String inArray = messageOf("[\"a\", c0rrect-horse-battery]");
    assertFalse(inArray.contains("c0rrect") || inArray.contains("horse"), inArray);
  }
}
