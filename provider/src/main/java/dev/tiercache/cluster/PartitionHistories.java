package dev.tiercache.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.internal.nearcache.impl.invalidation.Invalidator;
import com.hazelcast.internal.nearcache.impl.invalidation.MetaDataGenerator;
import com.hazelcast.internal.partition.IPartition;
import com.hazelcast.internal.partition.IPartitionService;
import com.hazelcast.map.impl.DataAwareEntryEvent;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicates;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.operationservice.Operation;
import com.hazelcast.spi.impl.operationservice.ReadonlyOperation;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Asks one member, for the near caches' repair, its word on each partition it owns: the partition's
 * history (a UUID) and the number of the latest change of each map asked about in it (one call for
 * every near cache of the asking member, whatever their number). The numbers are Hazelcast's
 * near-cache metadata, taken by every operation that changes a record; this operation adds two things
 * the repair relies on and Hazelcast's own metadata read does not do:
 * <ul>
 *   <li><b>A new owner starts a new history.</b> A member answering for a partition it did not own at its
 *       previous answer, or whose replicas changed since, gives the partition a new UUID first. Hazelcast
 *       keeps the UUID when a backup is promoted, and a backup's copy of the numbers may lag its owner's
 *       (anti-entropy copies them now and then), so the new owner could hand out numbers near caches have
 *       already heard under that UUID, and a lost invalidation among them would go unseen. With a new UUID
 *       every near cache verifies the partition once instead.
 *   <li><b>Evictions are numbered too.</b> Hazelcast announces expiries and every change to near caches,
 *       but not size-based evictions; a local listener on this member announces those of the map (from
 *       the first time the map is asked about here; an eviction before that is caught by the verification
 *       the first answer's new histories cause).
 * </ul>
 */
public final class PartitionHistories extends Operation implements IdentifiedDataSerializable, ReadonlyOperation {

  private static final String STATE = "tiercache.partition-histories";

  /** Test hook: told the map names of each question this JVM answers. */
  public static volatile java.util.function.Consumer<String[]> onAsked;

  private String[] mapNames;
  private transient Answer answer;

  /** For deserialization only. */
  public PartitionHistories() {}

  private PartitionHistories(String[] mapNames) {
    this.mapNames = mapNames;
  }

  /**
   * Asks the member at {@code target} about the partitions it owns, for the maps {@code mapNames}; the
   * answer's sequences follow their order.
   */
  public static CompletableFuture<Answer> ask(NodeEngine nodeEngine, Address target, String... mapNames) {
    return nodeEngine.getOperationService().invokeOnTarget(MapService.SERVICE_NAME,
        new PartitionHistories(mapNames.clone()), target);
  }

  @Override
  public void run() {
    NodeEngine nodeEngine = getNodeEngine();
    Invalidator invalidator = nodeEngine.<MapService>getService(MapService.SERVICE_NAME).getMapServiceContext()
        .getMapNearCacheManager().getInvalidator();
    MemberState state = (MemberState) nodeEngine.getHazelcastInstance().getUserContext()
        .computeIfAbsent(STATE, k -> new MemberState(nodeEngine.getPartitionService().getPartitionCount()));
    java.util.function.Consumer<String[]> hook = onAsked;
    if (hook != null) {
      hook.accept(mapNames);
    }
    for (String mapName : mapNames) {
      state.announceEvictions(nodeEngine, invalidator, mapName);
    }
    answer = state.answer(nodeEngine.getPartitionService(), invalidator.getMetaDataGenerator(), mapNames);
  }

  @Override
  public Object getResponse() {
    return answer;
  }

  @Override
  public String getServiceName() {
    return MapService.SERVICE_NAME;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.PARTITION_HISTORIES;
  }

  @Override
  protected void writeInternal(ObjectDataOutput out) throws IOException {
    out.writeStringArray(mapNames);
  }

  @Override
  protected void readInternal(ObjectDataInput in) throws IOException {
    mapNames = in.readStringArray();
  }

  /** What one member remembers between answers: which partitions it owned, at which replica version. */
  private static final class MemberState {
    private final boolean[] owned;
    private final int[] versions;
    private final Set<String> announced = new HashSet<>();

    MemberState(int partitions) {
      owned = new boolean[partitions];
      versions = new int[partitions];
    }

    synchronized Answer answer(IPartitionService partitions, MetaDataGenerator metaData, String[] mapNames) {
      int count = 0;
      int[] ids = new int[owned.length];
      for (int p = 0; p < owned.length; p++) {
        IPartition partition = partitions.getPartition(p);
        int version = partition.version();
        boolean local = partition.isLocal();
        if (local && (!owned[p] || versions[p] != version)) {
          metaData.regenerateUuid(p);
        }
        owned[p] = local;
        versions[p] = version;
        if (local) {
          ids[count++] = p;
        }
      }
      Answer answer = new Answer(count, mapNames.length);
      for (int i = 0; i < count; i++) {
        int p = ids[i];
        UUID uuid = metaData.getOrCreateUuid(p);
        answer.partitions[i] = p;
        answer.uuidHigh[i] = uuid.getMostSignificantBits();
        answer.uuidLow[i] = uuid.getLeastSignificantBits();
        for (int m = 0; m < mapNames.length; m++) {
          answer.sequences[m * count + i] = metaData.currentSequence(mapNames[m], p);
        }
      }
      return answer;
    }

    synchronized void announceEvictions(NodeEngine nodeEngine, Invalidator invalidator, String mapName) {
      if (announced.add(mapName)) {
        UUID self = nodeEngine.getLocalMember().getUuid();
        nodeEngine.getHazelcastInstance().getMap(mapName).addLocalEntryListener(
            (EntryEvictedListener<Object, Object>) event -> invalidator.invalidateKey(keyData(event, nodeEngine),
                mapName, self), Predicates.alwaysTrue(), false); // without values
      }
    }

    private static com.hazelcast.internal.serialization.Data keyData(EntryEvent<Object, Object> event,
        NodeEngine nodeEngine) {
      return event instanceof DataAwareEntryEvent<?, ?> withData ? withData.getKeyData()
          : nodeEngine.getSerializationService().toData(event.getKey());
    }
  }

  /**
   * A member's word on the partitions it owns, one index per partition; the sequences of the maps asked
   * about one after the other ({@code sequence(map, i)}).
   */
  public static final class Answer implements IdentifiedDataSerializable {
    private int[] partitions;
    private long[] uuidHigh;
    private long[] uuidLow;
    private long[] sequences;

    /** For deserialization only. */
    public Answer() {}

    Answer(int count, int maps) {
      partitions = new int[count];
      uuidHigh = new long[count];
      uuidLow = new long[count];
      sequences = new long[count * maps];
    }

    public int size() {
      return partitions.length;
    }

    public int partition(int i) {
      return partitions[i];
    }

    public UUID uuid(int i) {
      return new UUID(uuidHigh[i], uuidLow[i]);
    }

    /** The latest change number of partition {@code partition(i)} in the {@code map}-th map asked about. */
    public long sequence(int map, int i) {
      return sequences[map * partitions.length + i];
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.PARTITION_HISTORIES_ANSWER;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeIntArray(partitions);
      out.writeLongArray(uuidHigh);
      out.writeLongArray(uuidLow);
      out.writeLongArray(sequences);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      partitions = in.readIntArray();
      uuidHigh = in.readLongArray();
      uuidLow = in.readLongArray();
      sequences = in.readLongArray();
    }
  }
}
