package io.poseidon.processors.tide;

import io.poseidon.topology.streams.CommitBufferedWindowStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tide's de-duplication log ({@code tide-dedup-store}): the (source, id) keys a task routed, as batches —
 * one record per commit (or per {@link #MAX_BATCH_BYTES}) instead of one changelog record per input. It is
 * the de-duplication's source of truth; the lookups go to {@code tide-dedup-index}, a local RocksDB window
 * store without a changelog that the router fills as it routes and rebuilds from this log when its task
 * starts ({@link #replay}): after a restart, a restore or a rebalance it holds every key the log holds.
 *
 * <p>A batch is written in the commit, before the transaction commits ({@link CommitBufferedWindowStore}):
 * the keys of the records a transaction consumed are in the same transaction as their outputs. A batch
 * sits at its newest record's time in a window store retained as long as the index, so a key leaves the
 * log no earlier than it leaves the index.
 */
final class DedupLog extends CommitBufferedWindowStore<String, byte[]> {

  private static final Logger log = LoggerFactory.getLogger(DedupLog.class);

  /** A batch's size limit: far below the changelog's record limit (1 MiB). */
  static final int MAX_BATCH_BYTES = 256 * 1024;
  /** The first bytes of a batch: the format (an 8-byte timestamp of an older layout starts with zeros). */
  private static final short FORMAT = 0x4431; // "D1"

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
  private final DataOutputStream out = new DataOutputStream(bytes);
  private int count;
  private long newest = Long.MIN_VALUE;
  private String run;
  private long seq;

  DedupLog(WindowStore<String, byte[]> inner) {
    super(inner);
  }

  /** The logged window store of batches, retained as long as {@code retention}. */
  static StoreBuilder<DedupLog> builder(String name, Duration retention, Duration window) {
    return CommitBufferedWindowStore.builder(Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention,
        window, false), Serdes.String(), Serdes.ByteArray()).withCachingDisabled(), DedupLog::new);
  }

  /** {@code key} was routed at {@code time}: it goes into the next batch. */
  void add(String key, long time) {
    try {
      if (count == 0) {
        out.writeShort(FORMAT);
      }
      out.writeLong(time);
      out.writeUTF(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    count++;
    newest = Math.max(newest, time);
    if (bytes.size() >= MAX_BATCH_BYTES) {
      writeBuffered();
    }
  }

  /** Keys added since the last batch was written (tests). */
  int pending() {
    return count;
  }

  /** What receives the keys of the log. */
  interface KeySink {
    void accept(String key, long time);
  }

  /** Every key of every batch in the log, batch by batch; returns how many. */
  long replay(KeySink sink) {
    long keys = 0;
    long skipped = 0;
    try (KeyValueIterator<Windowed<String>, byte[]> it = inner.all()) {
      while (it.hasNext()) {
        KeyValue<Windowed<String>, byte[]> batch = it.next();
        long n = decode(batch.key.key(), batch.value, sink);
        if (n < 0) {
          skipped++;
        } else {
          keys += n;
        }
      }
    }
    if (skipped > 0) {
      // entries of the layout before batches (one per key, its time as the value): they expire with the window
      log.warn("tide: {} entries of the de-duplication log are not batches of this version and were skipped; the "
          + "keys they name are not de-duplicated against", skipped);
    }
    return keys;
  }

  /** The keys of one batch (its record value) into {@code sink}; returns how many, or -1 for another layout. */
  static long decode(String batchKey, byte[] value, KeySink sink) {
    if (value == null) {
      return 0;
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
    long keys = 0;
    try {
      if (value.length < 2 || in.readShort() != FORMAT) {
        return -1;
      }
      while (in.available() > 0) {
        long time = in.readLong();
        sink.accept(in.readUTF(), time);
        keys++;
      }
    } catch (IOException e) {
      log.warn("tide: de-duplication log batch {} is cut short after {} keys; the rest skipped", batchKey, keys);
    }
    return keys;
  }

  @Override
  protected void writeBuffered() {
    if (count == 0) {
      return;
    }
    inner.put(run + "/" + seq++, bytes.toByteArray(), newest);
    bytes.reset();
    count = 0;
    newest = Long.MIN_VALUE;
  }

  @Override
  protected void dropBuffered() {
    bytes.reset();
    count = 0;
    newest = Long.MIN_VALUE;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    // batch keys: unique per opening of the store (a task that moves between nodes writes beside what its
    // earlier owners wrote, never over it)
    run = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    seq = 0;
    super.init(context, root);
  }
}
