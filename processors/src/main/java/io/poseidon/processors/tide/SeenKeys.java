package io.poseidon.processors.tide;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bloom filters (Guava) of the keys in tide's de-duplication index, one chain per bucket, in front of the
 * index: a key they have not seen is not in the index, so the common case — a new key — is answered in
 * memory instead of by a RocksDB read per bucket (three per record). A key they may have seen is looked up
 * in the index, which decides. A bucket's chain starts small and each new filter is twice the size of the
 * last, so a quiet node holds little and a busy one checks a handful of filters per bucket (1 % false
 * positives each, which cost a read, never a wrong answer). A bucket's filters are dropped when the
 * index's retention drops the bucket.
 */
final class SeenKeys {

  static final int FIRST_FILTER_KEYS = 16_384;
  static final double FALSE_POSITIVES = 0.01;

  private static final class Filter {
    final BloomFilter<CharSequence> bloom;
    final long capacity;
    long keys;

    Filter(long capacity) {
      this.bloom = BloomFilter.create(Funnels.stringFunnel(StandardCharsets.UTF_8), capacity, FALSE_POSITIVES);
      this.capacity = capacity;
    }
  }

  private final long retentionMs;
  private final TreeMap<Long, List<Filter>> byBucket = new TreeMap<>();
  private long newestBucket = Long.MIN_VALUE;

  /** @param retentionMs how long the index keeps a bucket (its store's retention) */
  SeenKeys(long retentionMs) {
    this.retentionMs = retentionMs;
  }

  void add(String key, long bucket) {
    List<Filter> chain = byBucket.computeIfAbsent(bucket, b -> new ArrayList<>(4));
    Filter last = chain.isEmpty() ? null : chain.get(chain.size() - 1);
    if (last == null || last.keys >= last.capacity) {
      last = new Filter(last == null ? FIRST_FILTER_KEYS : last.capacity * 2);
      chain.add(last);
    }
    last.bloom.put(key);
    last.keys++;
    if (bucket > newestBucket) {
      newestBucket = bucket;
      // the index drops a bucket older than its retention behind the newest record: so do the filters
      byBucket.headMap(newestBucket - retentionMs, false).clear();
    }
  }

  /** False when {@code key} is certainly not in {@code bucket} of the index. */
  boolean mightContain(String key, long bucket) {
    List<Filter> chain = byBucket.get(bucket);
    if (chain == null) {
      return false;
    }
    for (Filter f : chain) {
      if (f.bloom.mightContain(key)) {
        return true;
      }
    }
    return false;
  }

  /** Buckets and filters held (tests, logs). */
  int filters() {
    int n = 0;
    for (Map.Entry<Long, List<Filter>> e : byBucket.entrySet()) {
      n += e.getValue().size();
    }
    return n;
  }

  int buckets() {
    return byBucket.size();
  }
}
