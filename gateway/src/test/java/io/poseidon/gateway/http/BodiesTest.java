package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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

  @Test
  void shouldNameWhereANulCharacterIs() throws JsonProcessingException {
    ObjectMapper json = new ObjectMapper();
    assertEquals("version", Bodies.nulAt(json.readValue("{\"service\":\"a\",\"version\":\"1.0\\u0000\"}", Object.class), ""));
    assertEquals("points[1].labels.route", Bodies.nulAt(json.readValue(
        "{\"points\":[{\"name\":\"x\"},{\"labels\":{\"route\":\"/a\\u0000b\"}}]}", Object.class), ""));
    assertEquals("[0].attributes.k\u0000", Bodies.nulAt(json.readValue("[{\"attributes\":{\"k\\u0000\":\"v\"}}]", Object.class), ""),
        "a member name too");
    assertNull(Bodies.nulAt(json.readValue("{\"a\":[\"b\",1,null,{\"c\":\"d\"}]}", Object.class), ""));
    assertTrue(Bodies.mayHoldNul("{\"v\":\"1\\u0000\"}".getBytes()));
    assertFalse(Bodies.mayHoldNul("{\"v\":\"1\\u0001\",\"w\":\"u0000\"}".getBytes()), "only the escape of U+0000");
  }
}
