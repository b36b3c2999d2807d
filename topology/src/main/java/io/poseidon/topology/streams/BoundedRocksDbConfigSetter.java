package io.poseidon.topology.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * RocksDB sized for small machines: one block cache and one write-buffer budget shared by every
 * store of the JVM (the bounded-memory recipe of the Kafka Streams docs), memtables counted against
 * the cache, small memtables, LZ4. Sizes come from {@code streams.rocksdb.*} (see PoseidonConfig).
 */
public class BoundedRocksDbConfigSetter implements RocksDBConfigSetter {

  public static final String BLOCK_CACHE_BYTES = "poseidon.rocksdb.block.cache.bytes";
  public static final String WRITE_BUFFER_BYTES = "poseidon.rocksdb.write.buffer.bytes";

  /** The memtables' allocation unit (see {@link #setConfig}). */
  static final long ARENA_BLOCK_BYTES = 64L * 1024;

  private static Cache cache;
  private static WriteBufferManager writeBufferManager;

  private static synchronized void init(long cacheBytes) {
    if (cache == null) {
      cache = new LRUCache(cacheBytes, -1, false, 0.1);
      // memtables share the cache budget: total RocksDB memory stays near cacheBytes
      writeBufferManager = new WriteBufferManager(cacheBytes / 2, cache);
    }
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    long cacheBytes = Long.parseLong(String.valueOf(configs.getOrDefault(BLOCK_CACHE_BYTES, 16L << 20)));
    long writeBuffer = Long.parseLong(String.valueOf(configs.getOrDefault(WRITE_BUFFER_BYTES, 4L << 20)));
    init(cacheBytes);
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setPinL0FilterAndIndexBlocksInCache(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(writeBufferManager);
    options.setWriteBufferSize(writeBuffer);
    // a memtable takes memory in arena blocks, the first one when it opens; RocksDB's default block is an
    // eighth of the write buffer (512 KiB here). A node has dozens of memtables (every segment of every
    // window store), so the empty ones alone held more than the shared budget: the write-buffer manager
    // flushed on almost every write — thousands of tiny SST files per store a minute, compactions taking
    // more CPU than the stream thread, and writes stalled (tide: 2.9k records/s, ADR 0021)
    options.setArenaBlockSize(ARENA_BLOCK_BYTES);
    options.setMaxWriteBufferNumber(2);
    options.setCompressionType(CompressionType.LZ4_COMPRESSION);
    options.setMaxBackgroundJobs(2);
  }

  @Override
  public void close(String storeName, Options options) {
    // the cache and write-buffer manager are shared by all stores and live as long as the JVM
  }
}
