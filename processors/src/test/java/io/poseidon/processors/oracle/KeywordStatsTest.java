package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.poseidon.schemas.oracle.DocumentKind;
import io.poseidon.schemas.oracle.IndexedChunk;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keyword scores from two nodes compare only with the cluster's statistics. */
class KeywordStatsTest {

  private static IndexedChunk chunk(String docId, String text) {
    float[] unit = new float[Embedder.DIMENSIONS];
    unit[0] = 1;
    return IndexedChunk.newBuilder().setDocId(docId).setVersion(1).setIndex(0).setTitle("t").setKind(DocumentKind.NOTE)
        .setService(null).setTags(List.of()).setSourceUri(null).setHeadings(List.of()).setStart(0).setEnd(text.length())
        .setText(text).setTextHash("h").setVector(ByteBuffer.wrap(Embedder.toBytes(List.of(unit)))).build();
  }

  @Test
  void theSameChunkScoresTheSameOnEitherNodeWithSummedStatistics() {
    try (PartitionIndex a = new PartitionIndex(0); PartitionIndex b = new PartitionIndex(1)) {
      a.add(chunk("same-a", "rotate the ledger password"));
      for (int i = 0; i < 5; i++) {
        a.add(chunk("other-" + i, "ledger ledger ledger entries and password policy"));
      }
      b.add(chunk("same-b", "rotate the ledger password"));
      b.add(chunk("unrelated", "cache warmup job"));
      a.refresh();
      b.refresh();
      Search.Request request = new Search.Request("ledger password", null, null, 10, Search.Mode.KEYWORD);
      double localA = score(Search.local(List.of(a), request, Embedder.shared()), "same-a");
      double localB = score(Search.local(List.of(b), request, Embedder.shared()), "same-b");
      assertNotEquals(localA, localB, 1e-6, "each node's own statistics score the same text differently");

      KeywordStats cluster = KeywordStats.sum(List.of(Search.stats(List.of(a), request.query()),
          Search.stats(List.of(b), request.query())));
      KeywordStats back = KeywordStats.fromJson(cluster.toJson());
      double globalA = score(Search.local(List.of(a), request, Embedder.shared(), back), "same-a");
      double globalB = score(Search.local(List.of(b), request, Embedder.shared(), back), "same-b");
      assertEquals(globalA, globalB, 1e-6, "with the cluster's statistics they compare");
      double together = score(Search.local(List.of(a, b), request, Embedder.shared()), "same-b");
      assertEquals(together, globalB, 1e-6, "as if both partitions were one index");
    }
  }

  private static double score(Search.Candidates c, String docId) {
    return c.keyword().stream().filter(p -> p.docId().equals(docId)).findFirst().orElseThrow().score();
  }
}
