package dev.tiercache.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import dev.tiercache.config.CacheSettings;
import dev.tiercache.config.ClusterSettings;
import dev.tiercache.config.MemoryBound;
import dev.tiercache.config.TiercacheConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded Hazelcast members of this JVM, shared by every CacheManager of the same configuration.
 *
 * <p>Starting a member per CacheManager would make applications (and the TCK, which creates hundreds
 * of managers) slow, so managers lease a member and give it back on close. A member stops only after
 * {@link #IDLE_SHUTDOWN_MILLIS} without a lease: a provider closed and reopened straight away, as the
 * TCK does dozens of times, reuses it in milliseconds instead of starting (and, in a cluster, joining
 * and rebalancing) a member in seconds, and an application that closes its provider can still exit
 * shortly after. When the last lease of a <em>standalone</em> member ends, its caches are destroyed at
 * once (nobody else can reach a standalone member's data, so this is what a restart would do); a
 * <em>clustered</em> member keeps them, because they live on in the others, and leaves the cluster
 * gracefully when it stops.
 */
public final class Members {

  /** Prefix of every distributed object Tiercache creates; other objects are left alone. */
  public static final String MAP_PREFIX = "tc:";

  /** How long an unleased member waits for a new lease before it stops. */
  public static final long IDLE_SHUTDOWN_MILLIS = 2_000;

  private static final Map<String, Shared> SHARED = new HashMap<>();
  private static final ScheduledExecutorService IDLE_TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "tiercache-idle-member-shutdown");
    thread.setDaemon(true);
    return thread;
  });

  private Members() {}

  /**
   * A lease on the member for {@code config}, started if needed. The caller must {@link
   * Lease#release()} it exactly once.
   */
  public static Lease acquire(TiercacheConfig config) {
    String key = config.source();
    synchronized (SHARED) {
      Shared shared = SHARED.get(key);
      if (shared == null || !shared.instance.getLifecycleService().isRunning()) {
        shared = new Shared(key, config.cluster().isStandalone(), start(config));
        SHARED.put(key, shared);
      }
      shared.leases++;
      return new Lease(shared);
    }
  }

  private static HazelcastInstance start(TiercacheConfig tc) {
    ClusterSettings cluster = tc.cluster();
    Config config = new Config();
    config.setInstanceName("tiercache-" + UUID.randomUUID());
    // A standalone member gets a cluster name nobody else has, so no other member can ever join it.
    config.setClusterName(cluster.isStandalone() ? "tiercache-standalone-" + UUID.randomUUID() : cluster.clusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.shutdownhook.policy", "GRACEFUL");
    // Near-cache invalidations at once, one message per change: batched, they wait up to 10 s.
    config.setProperty("hazelcast.map.invalidation.batch.enabled", "false");
    config.getJetConfig().setEnabled(false);

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(cluster.bindAddress());
    network.setPublicAddress(cluster.bindAddress());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(!cluster.isStandalone()).setMembers(cluster.members());

    config.getSerializationConfig()
        .addDataSerializableFactory(RecordSerialization.FACTORY_ID, new RecordSerialization());

    config.addMapConfig(mapConfig(MAP_PREFIX + "*", tc.defaults()));
    config.addMapConfig(writeBehindMapConfig(MAP_PREFIX + "*" + CacheNames.WRITE_BEHIND_SUFFIX, tc.defaults()));
    config.addMapConfig(durableMapConfig(MAP_PREFIX + "*" + CacheNames.PENDING_SUFFIX, tc.defaults()));
    config.addMapConfig(durableMapConfig(MAP_PREFIX + "*" + CacheNames.DEAD_LETTERS_SUFFIX, tc.defaults()));
    tc.caches().forEach((name, settings) -> {
      config.addMapConfig(mapConfig(CacheNames.pattern(name), settings));
      config.addMapConfig(writeBehindMapConfig(CacheNames.pattern(name, CacheNames.WRITE_BEHIND_SUFFIX), settings));
      config.addMapConfig(durableMapConfig(CacheNames.pattern(name, CacheNames.PENDING_SUFFIX), settings));
      config.addMapConfig(durableMapConfig(CacheNames.pattern(name, CacheNames.DEAD_LETTERS_SUFFIX), settings));
    });
    return Hazelcast.newHazelcastInstance(config);
  }

  private static MapConfig mapConfig(String pattern, CacheSettings settings) {
    MapConfig map = new MapConfig(pattern);
    map.setInMemoryFormat(InMemoryFormat.BINARY);
    map.setBackupCount(settings.backups());
    map.setStatisticsEnabled(false);
    MemoryBound memory = settings.maxMemory();
    // Hazelcast bounds a map by one measure; by heap, it counts the entries and backups on the member.
    map.setEvictionConfig(new EvictionConfig()
        .setEvictionPolicy(EvictionPolicy.LRU)
        .setMaxSizePolicy(memory == null ? MaxSizePolicy.PER_NODE
            : memory.percent() > 0 ? MaxSizePolicy.USED_HEAP_PERCENTAGE : MaxSizePolicy.USED_HEAP_SIZE)
        .setSize(memory == null ? settings.maxEntries()
            : memory.percent() > 0 ? memory.percent() : (int) Math.min(Integer.MAX_VALUE, memory.megabytes())));
    return map;
  }

  /**
   * The L2 map of a write-behind cache: as any cache's, but without Hazelcast's eviction, which picks
   * its victims by sampling on each replica on its own and could drop a record that holds the only copy
   * of a change not yet written. {@code WriteBehind} bounds these maps itself, evicting only written
   * records.
   */
  private static MapConfig writeBehindMapConfig(String pattern, CacheSettings settings) {
    MapConfig map = mapConfig(pattern, settings);
    map.setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.NONE)
        .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(Integer.MAX_VALUE));
    return map;
  }

  /**
   * A side map that holds acknowledged writes: never evicted (eviction would drop a write), and at
   * least one backup even if the cache itself has none, so a member crash loses nothing.
   */
  private static MapConfig durableMapConfig(String pattern, CacheSettings settings) {
    MapConfig map = new MapConfig(pattern);
    map.setInMemoryFormat(InMemoryFormat.BINARY);
    map.setBackupCount(Math.max(1, settings.backups()));
    map.setStatisticsEnabled(false);
    return map;
  }

  private static void leaseEnded(Shared shared) {
    synchronized (SHARED) {
      if (--shared.leases > 0) {
        return;
      }
      if (!shared.instance.getLifecycleService().isRunning()) {
        SHARED.remove(shared.key);
        return;
      }
      if (shared.standalone) {
        for (DistributedObject object : shared.instance.getDistributedObjects()) {
          if (object.getName().startsWith(MAP_PREFIX)) {
            object.destroy();
          }
        }
      }
      IDLE_TIMER.schedule(() -> stopIfIdle(shared), IDLE_SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private static void stopIfIdle(Shared shared) {
    synchronized (SHARED) {
      if (shared.leases > 0 || SHARED.get(shared.key) != shared) {
        return;
      }
      SHARED.remove(shared.key);
      if (shared.standalone) {
        // A standalone member has no data left and no peers: no need for a graceful hand-over.
        shared.instance.getLifecycleService().terminate();
      } else {
        shared.instance.shutdown(); // hands its partitions over to the others
      }
    }
  }

  private static final class Shared {
    final String key;
    final boolean standalone;
    final HazelcastInstance instance;
    final SerializationService serialization;
    int leases;

    Shared(String key, boolean standalone, HazelcastInstance instance) {
      this.key = key;
      this.standalone = standalone;
      this.instance = instance;
      this.serialization = ((SerializationServiceSupport) instance).getSerializationService();
    }
  }

  /** One CacheManager's use of a shared member. */
  public static final class Lease {
    private final Shared shared;
    private boolean released;

    private Lease(Shared shared) {
      this.shared = shared;
    }

    public HazelcastInstance instance() {
      return shared.instance;
    }

    public SerializationService serialization() {
      return shared.serialization;
    }

    public synchronized void release() {
      if (!released) {
        released = true;
        leaseEnded(shared);
      }
    }
  }
}
