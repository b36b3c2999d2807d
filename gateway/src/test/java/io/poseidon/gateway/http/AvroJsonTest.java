package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

  private static Map<String, String> byField(List<FieldError> errors) {
    return errors.stream().collect(Collectors.toMap(FieldError::field, FieldError::message));
  }

  @Test
  void shouldBuildTheSpecificRecordFromValidJson() {
    List<FieldError> errors = new ArrayList<>();
    ServiceRegistered r = AvroJson.toRecord(new JsonObject(
        "{\"service\":\"payments\",\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443,"
            + "\"version\":\"1.4.2\",\"metadata\":{\"zone\":\"a\"},\"ttlSeconds\":30}"),
        ServiceRegistered.getClassSchema(), errors);

    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals("payments", r.getService());
    assertEquals(8443, r.getPort());
    assertEquals(Map.of("zone", "a"), r.getMetadata());
    assertEquals("1.4.2", r.getVersion());
  }

  @Test
  void shouldFillDefaultsForOptionalFields() {
    List<FieldError> errors = new ArrayList<>();
    ServiceRegistered r = AvroJson.toRecord(new JsonObject(
        "{\"service\":\"payments\",\"instanceId\":\"i-1\",\"host\":\"h\",\"port\":1,\"ttlSeconds\":5}"),
        ServiceRegistered.getClassSchema(), errors);

    assertTrue(errors.isEmpty(), errors.toString());
    assertNull(r.getVersion());
    assertEquals(Map.of(), r.getMetadata());
  }

  @Test
  void shouldNameEveryBadFieldAtOnce() {
    List<FieldError> errors = new ArrayList<>();
    Object r = AvroJson.toRecord(new JsonObject(
        "{\"service\":\"payments\",\"port\":\"80\",\"ttlSeconds\":1.5,\"metadata\":{\"zone\":7},\"colour\":\"red\"}"),
        ServiceRegistered.getClassSchema(), errors);

    assertNull(r);
    Map<String, String> fields = byField(errors);
    assertEquals("is required", fields.get("instanceId"));
    assertEquals("is required", fields.get("host"));
    assertEquals("must be a whole number (32-bit)", fields.get("port"));
    assertEquals("must be a whole number (32-bit)", fields.get("ttlSeconds"));
    assertEquals("must be a string", fields.get("metadata.zone"));
    assertTrue(fields.get("colour").startsWith("unknown field"));
    assertEquals(6, errors.size());
  }

  @Test
  void shouldRefuseNullForARequiredField() {
    List<FieldError> errors = new ArrayList<>();
    AvroJson.toRecord(new JsonObject("{\"service\":\"s\",\"instanceId\":\"i\",\"host\":null,\"port\":1,\"ttlSeconds\":1}"),
        ServiceRegistered.getClassSchema(), errors);
    assertEquals(Map.of("host", "must not be null"), byField(errors));
  }

  @Test
  void shouldRefuseNullForAFieldWithADefaultInsteadOfTakingTheDefault() {
    List<FieldError> errors = new ArrayList<>();
    AvroJson.toRecord(new JsonObject("{\"service\":\"s\",\"instanceId\":\"i\",\"host\":\"h\",\"port\":1,"
        + "\"ttlSeconds\":1,\"metadata\":null}"), ServiceRegistered.getClassSchema(), errors);
    assertEquals(Map.of("metadata", "must not be null"), byField(errors));
  }

  @Test
  void shouldRefuseIntegersThatDoNotFitInsteadOfWrappingThem() {
    for (Object huge : List.of(new java.math.BigInteger("18446744073709560059"), 1L << 40, 2.5, Double.NaN)) {
      List<FieldError> errors = new ArrayList<>();
      AvroJson.toRecord(new JsonObject().put("service", "s").put("instanceId", "i").put("host", "h").put("port", huge)
          .put("ttlSeconds", 1), ServiceRegistered.getClassSchema(), errors);
      assertEquals(Map.of("port", "must be a whole number (32-bit)"), byField(errors), String.valueOf(huge));
    }
    List<FieldError> ok = new ArrayList<>();
    ServiceRegistered r = AvroJson.toRecord(new JsonObject().put("service", "s").put("instanceId", "i").put("host", "h")
        .put("port", 8443.0).put("ttlSeconds", new java.math.BigInteger("30")), ServiceRegistered.getClassSchema(), ok);
    assertEquals(List.of(), ok);
    assertEquals(8443, r.getPort(), "a whole number written 8443.0 is 8443");
  }

  @Test
  void shouldRenderRecordsAsJsonWithIsoTimes() {
    Instant t = Instant.parse("2026-11-27T10:00:00Z");
    ServiceInstance instance = ServiceInstance.newBuilder().setService("s").setInstanceId("i").setHost("h")
        .setPort(1).setVersion(null).setMetadata(Map.of("k", "v")).setTtlSeconds(30).setRegisteredAt(t)
        .setLastSeenAt(t).setExpiresAt(t.plusSeconds(30)).setLastEventId("e").build();

    JsonObject json = AvroJson.toJson(instance);

    assertEquals("2026-11-27T10:00:30Z", json.getString("expiresAt"));
    assertEquals("v", json.getJsonObject("metadata").getString("k"));
    assertTrue(json.containsKey("version"));
    assertNotNull(json.getInteger("port"));
  }
}
