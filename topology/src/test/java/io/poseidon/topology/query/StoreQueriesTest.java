package io.poseidon.topology.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** The one query path over stores: answered locally, pointed at the owner, or "not now" with the reason. */
class StoreQueriesTest {

  private static final HostInfo SELF = new HostInfo("node-a", 8080);
  private final FakeStreams streams = new FakeStreams(SELF);
  private final StoreQueries queries = new StoreQueries(streams, SELF);

  @Test
  void shouldAnswerFromTheLocalStoreWhenThisNodeOwnsTheKey() {
    streams.put("s", "payments/i-1", "one");

    QueryResult<Optional<String>> found = queries.get("s", "payments", "payments/i-1");
    QueryResult<Optional<String>> missing = queries.get("s", "payments", "payments/i-9");

    assertEquals(Optional.of("one"), assertInstanceOf(QueryResult.Local.class, found).value());
    assertEquals(Optional.empty(), assertInstanceOf(QueryResult.Local.class, missing).value());
  }

  @Test
  void shouldScanByPrefixAndRangeInKeyOrderUpToTheLimit() {
    for (String key : List.of("a/3", "a/1", "b/1", "a/2")) {
      streams.put("s", key, key.toUpperCase());
    }

    QueryResult<List<KeyValue<String, String>>> prefix = queries.prefix("s", "a", "a/", 2);
    QueryResult<List<KeyValue<String, String>>> range = queries.range("s", "a", "a/2", "b/1", 10);

    assertEquals(List.of(KeyValue.pair("a/1", "A/1"), KeyValue.pair("a/2", "A/2")),
        assertInstanceOf(QueryResult.Local.class, prefix).value());
    assertEquals(List.of("a/2", "a/3", "b/1"), ((QueryResult.Local<List<KeyValue<String, String>>>) range).value()
        .stream().map(kv -> kv.key).toList());
  }

  @Test
  void shouldNameTheOwnerWhenAnotherNodeHasTheKey() {
    HostInfo owner = new HostInfo("node-b", 8081);
    streams.ownedBy(owner);

    QueryResult<Optional<String>> result = queries.get("s", "payments", "payments/i-1");

    assertEquals(owner, assertInstanceOf(QueryResult.Remote.class, result).owner());
  }

  @Test
  void shouldSayNotNowWhileStartingRebalancingOrMigrating() {
    for (FakeStreams.Mode mode : List.of(FakeStreams.Mode.NOT_STARTED, FakeStreams.Mode.REBALANCING,
        FakeStreams.Mode.MIGRATING)) {
      streams.mode(mode);
      QueryResult<Optional<String>> result = queries.get("s", "payments", "payments/i-1");
      String reason = assertInstanceOf(QueryResult.Unavailable.class, result, mode.name()).reason();
      assertTrue(reason.contains("store s"), mode + ": " + reason);
    }
  }
}
