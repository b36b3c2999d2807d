package io.poseidon.topology.serde;

import java.nio.ByteBuffer;

/**
 * The framing of a Poseidon value (docs/adr/0018-confluent-wire-format.md): Confluent's — magic byte
 * {@code 0x00}, the writer schema's registry <em>content id</em> as 4 bytes big-endian, Avro binary —
 * which every Confluent-compatible client reads through the registry's {@code /apis/ccompat/v7} API.
 * Values written before ADR 0018 carry {@code 0x00} and the schema's 8-byte <em>global id</em>
 * (ADR 0002); they are still read. The two never collide: a content id is at least 1, so the first 4
 * id bytes of a 4-byte framing are never all zero, while a legacy global id below 2<sup>32</sup>
 * (every id a registry hands out in practice) always starts with four zero bytes.
 */
public final class Framing {

  public static final byte MAGIC = 0x00;
  /** Magic byte + 4-byte content id: where the Avro body starts. */
  public static final int PREFIX = 1 + 4;
  /** Magic byte + 8-byte global id: where the Avro body of a legacy (ADR 0002) value starts. */
  public static final int LEGACY_PREFIX = 1 + 8;

  /** The id a value names its writer schema by. */
  public enum IdKind {
    /** Confluent framing: the registry content id ({@code GET /apis/ccompat/v7/schemas/ids/{id}}). */
    CONTENT,
    /** Legacy framing (ADR 0002): the registry global id ({@code GET /apis/registry/v2/ids/globalIds/{id}}). */
    GLOBAL
  }

  /**
   * The writer schema's id in a value.
   *
   * @param bodyOffset where the Avro body starts
   */
  public record SchemaId(long id, IdKind kind, int bodyOffset) {}

  private Framing() {}

  /** The schema id of {@code value}, or null when it does not start with the magic byte and an id. */
  public static SchemaId idOf(byte[] value) {
    if (value == null || value.length < PREFIX || value[0] != MAGIC) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(value);
    int content = buffer.getInt(1);
    if (content != 0) {
      return new SchemaId(Integer.toUnsignedLong(content), IdKind.CONTENT, PREFIX);
    }
    if (value.length >= LEGACY_PREFIX) {
      return new SchemaId(buffer.getLong(1), IdKind.GLOBAL, LEGACY_PREFIX);
    }
    return null;
  }
}
