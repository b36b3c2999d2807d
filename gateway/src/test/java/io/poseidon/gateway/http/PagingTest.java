package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order and the cursors of {@link Paging}, without a server. */
class PagingTest {

  @Test
  void ordersByEveryFieldWithDescendingOnesAndComparesInstantsAsTimes() {
    Paging.Spec spec = new Paging.Spec("versions", List.of("-version"));
    assertTrue(spec.comparator().compare(new JsonObject().put("version", 10), new JsonObject().put("version", 9)) < 0,
        "newest first, and 10 > 9 as numbers (not as text)");
    assertTrue(spec.after(new JsonObject().put("version", 3), List.of(4)), "descending: 3 comes after 4");
    assertFalse(spec.after(new JsonObject().put("version", 4), List.of(4)), "the cursor's own item is not after it");

    Paging.Spec timeline = new Paging.Spec("events", List.of("time", "eventId"));
    JsonObject whole = new JsonObject().put("time", "2026-12-02T10:00:00Z").put("eventId", "b");
    JsonObject half = new JsonObject().put("time", "2026-12-02T10:00:00.500Z").put("eventId", "a");
    assertTrue(timeline.comparator().compare(whole, half) < 0, "as instants, not as text ('Z' > '.')");
    assertTrue(timeline.after(half, List.of("2026-12-02T10:00:00Z", "b")));
    assertTrue(timeline.after(new JsonObject().put("time", "2026-12-02T10:00:00Z").put("eventId", "c"),
        List.of("2026-12-02T10:00:00Z", "b")), "a tie on time is broken by the next field");
  }

  @Test
  void aCursorNamesItsListAndItsOrderValues() {
    Paging.Spec spec = new Paging.Spec("instances", List.of("instanceId"));
    String cursor = Paging.encode("listInstances", List.of("i-3"));
    assertEquals(List.of("i-3"), Paging.decode(cursor, "listInstances", spec));
    assertNull(Paging.decode(cursor, "listTopics", spec), "another list's cursor");
    assertNull(Paging.decode("%%%", "listInstances", spec));
    assertNull(Paging.decode("bm90IGpzb24", "listInstances", spec), "base64 of 'not json'");
    assertThrows(IllegalArgumentException.class, () -> new Paging.Spec("instances", List.of()));
  }
}
