package io.poseidon.gateway.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class StreamPositionTest {

  @Test
  void shouldWriteAndReadBackEveryPartitionInOrder() {
    StreamPosition p = StreamPosition.of(Map.of(new TopicPartition("b.x", 1), 7L, new TopicPartition("a.y-z", 0), 13L,
        new TopicPartition("b.x", 0), 2L));
    assertEquals("a.y-z:0:13,b.x:0:2,b.x:1:7", p.toString());
    assertEquals(p, StreamPosition.parse(p.toString()));
  }

  @Test
  void shouldSayWhatIsWrongWithAPosition() {
    for (String bad : new String[] {"", "x", "t:1", "t:a:1", "t:-1:0", "t:0:-5", "t:0:1,t:0:2", ":0:1"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StreamPosition.parse(bad), bad);
      assertTrue(!e.getMessage().isBlank());
    }
  }
}
