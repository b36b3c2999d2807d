package io.poseidon.processors.oracle;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.schemas.oracle.IndexedChunk;
import io.poseidon.schemas.oracle.PendingChange;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import io.poseidon.topology.streams.StreamsDefaults;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** oracle — indexing triggers and search with citations over the platform's knowledge. */
public final class OracleModule implements ServiceModule<OracleQueries> {

  public static final String NAME = "oracle";

  /** The indexes of each running topology (a node), shared by its processors and its queries. */
  private final Map<ServiceContext, OracleIndexes> indexes = Collections.synchronizedMap(new IdentityHashMap<>());

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "knowledge indexing and search";
  }

  @Override
  public ConfigDef config() {
    return OracleConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return OracleTopics.OWNED;
  }

  /** Indexing metrics go to lighthouse. */
  @Override
  public List<TopicSpec> usedTopics() {
    return List.of(LighthouseTopics.METRICS);
  }

  /** A document that cannot be indexed goes to the dead letters whole: up to 1 MiB of body. */
  @Override
  public TopicSpec deadLetterTopic() {
    return TopicSpec.deadLetters(NAME).withConfigs(OracleTopics.LARGE_RECORDS);
  }

  @Override
  public Topology topology(ServiceContext context) {
    Embedder.shared().warmUpInBackground(); // before the stream threads index anything
    return OracleTopology.build(context.serdes(), new OracleConfig(context.config()), context.clock(),
        indexesOf(context), Embedder.shared(), deadLetterTopic());
  }

  @Override
  public OracleQueries queries(StoreQueries stores, ServiceContext context) {
    return new OracleQueries(stores, indexesOf(context), Embedder.shared(), context.clock(),
        new OracleConfig(context.config()).cacheTtl());
  }

  /** The indexes of every topology this module runs in this JVM (benchmarks compare them with plain Lucene). */
  public java.util.Collection<OracleIndexes> runningIndexes() {
    synchronized (indexes) {
      return List.copyOf(indexes.values());
    }
  }

  private OracleIndexes indexesOf(ServiceContext context) {
    return indexes.computeIfAbsent(context, c -> new OracleIndexes());
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(DocumentState.getClassSchema(), PendingChange.getClassSchema(), IndexedChunk.getClassSchema());
  }

  /**
   * Whole documents (up to 1 MiB of body) travel through the pending store's changelog and the dead
   * letters: the producer takes records up to {@link OracleTopics#MAX_RECORD_BYTES} and the changelogs
   * Streams creates accept them.
   */
  @Override
  public Map<String, Object> streamsConfig() {
    // a punctuation embeds documents inside the task's transaction: on a slow machine (ONNX 3x slower) three
    // tasks' indexing went past Streams' 10 s transaction timeout and fenced the thread five times in 17
    // minutes of the benchmark's indexing, each time redoing the work (StreamsDefaults.longTransactions)
    return Map.ofEntries(Map.entry(StreamsConfig.producerPrefix("max.request.size"), OracleTopics.MAX_RECORD_BYTES),
        Map.entry(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(OracleTopics.MAX_RECORD_BYTES)),
        StreamsDefaults.longTransactions());
  }
}
