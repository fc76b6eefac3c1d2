package dev.tiercache.cluster;

import com.hazelcast.internal.serialization.Data;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This member's index of the keys it may hold unwritten records of, per write-behind map and partition,
 * so that the flusher reads those records rather than scanning the map. Filled by
 * {@link WriteBehindPutProcessor} on the key's owner; emptied by the flusher once a record is written.
 *
 * <p>It is a hint, not the truth: the records are. A key listed here may have been written meanwhile (the
 * flusher reads the record and skips it), and a member that becomes the owner of a partition (a migration,
 * or a backup promoted after a crash) does not know its keys: the flusher then finds them by reading that
 * partition's unwritten records once ({@code WriteBehind}).
 */
public final class UnwrittenKeys {

  /** By member name, then map name (two levels: the put's processor looks it up without building a key). */
  private static final Map<String, Map<String, UnwrittenKeys>> BY_MEMBER = new ConcurrentHashMap<>();

  /** Per partition: key → its latest unwritten record known here. */
  private final Map<Integer, Map<Data, Listed>> byPartition = new ConcurrentHashMap<>();

  /**
   * What the index knows of an unwritten record: its version, since when it is unwritten (cluster time),
   * and its value's serialized size (so that a flush can stay within its share of the heap).
   */
  public record Listed(long version, long since, int bytes) {}

  private UnwrittenKeys() {}

  /** The index of map {@code mapName} on the member named {@code memberName}. */
  public static UnwrittenKeys of(String memberName, String mapName) {
    return BY_MEMBER.computeIfAbsent(memberName, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(mapName, m -> new UnwrittenKeys());
  }

  /** Forgets the index (the member stops writing behind for the map). */
  public static void drop(String memberName, String mapName) {
    Map<String, UnwrittenKeys> maps = BY_MEMBER.get(memberName);
    if (maps != null) {
      maps.remove(mapName);
    }
  }

  public void add(int partition, Data key, long version, long since, int bytes) {
    byPartition.computeIfAbsent(partition, p -> new ConcurrentHashMap<>())
        .put(key, new Listed(version, since, bytes));
  }

  /** The keys listed for {@code partition} (a copy). */
  public Map<Data, Listed> keys(int partition) {
    Map<Data, Listed> keys = byPartition.get(partition);
    return keys == null ? Map.of() : Map.copyOf(keys);
  }

  /**
   * Unlists {@code key} if its latest known unwritten version is {@code version}, the one just written:
   * a put that came in meanwhile has listed its own version and stays.
   */
  public void remove(int partition, Data key, long version) {
    Map<Data, Listed> keys = byPartition.get(partition);
    if (keys != null) {
      keys.computeIfPresent(key, (k, listed) -> listed.version() == version ? null : listed);
    }
  }

  /** Forgets a partition this member no longer owns. */
  public void forget(int partition) {
    byPartition.remove(partition);
  }

  /** How many keys are listed over all partitions. */
  public int size() {
    int size = 0;
    for (Map<Data, Listed> keys : byPartition.values()) {
      size += keys.size();
    }
    return size;
  }
}
