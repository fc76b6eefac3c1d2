package dev.tiercache;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryRemovedListener;
import dev.tiercache.cluster.CacheNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import javax.cache.CacheException;
import javax.cache.configuration.Factory;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;

/**
 * The caches of one manager scope as the whole cluster knows them: which exist, with which configuration,
 * held open by which managers. A cache created on one member is listed here, so that {@code getCache} and
 * {@code getCacheNames} on another member find it, and a second member that creates the same name with
 * a configuration that differs in what the cache holds or when (types, expiry, jitter, refresh, loader,
 * writer, write-through or -behind) is refused with the differences named, rather than ending up with
 * entries that expire on one member and not on the other.
 *
 * <p>One Hazelcast map for the cluster, keyed by the cache's L2 map name (which carries the scope). An
 * entry lives while some manager holds the cache open: each open adds a holder (member and manager),
 * each close removes one, and holders on members that have left are dropped whenever the entry is read,
 * so a crashed member leaves nothing behind. {@code destroyCache} removes the entry at once; every
 * manager that has the cache open hears it (an entry listener) and closes its instance. Each entry has an
 * incarnation id, so that the late news of a destroyed cache never closes one created again since.
 *
 * <p>Per-member settings are not compared: the near cache (each member's memory), warm-up, statistics,
 * management, and listeners (registered on each member by its own code).
 *
 * <p>A listing that goes with its last holder looks to the others like a destroy; nobody else held the
 * cache open then, so closing "their" instance closes nothing. Holders are pruned by the member list as
 * this member sees it: during a split or while a member is joining, a holder may be dropped early.
 */
final class CacheDirectory {

  private static final String MAP_NAME = "tiercache!directory";
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(CacheDirectory.class.getName());

  private static final Set<Class<?>> STANDARD_POLICIES = Set.of(javax.cache.expiry.CreatedExpiryPolicy.class,
      javax.cache.expiry.ModifiedExpiryPolicy.class, javax.cache.expiry.AccessedExpiryPolicy.class,
      javax.cache.expiry.TouchedExpiryPolicy.class, javax.cache.expiry.EternalExpiryPolicy.class);

  /** What the directory holds for one cache. */
  record Listing(String scope, String cacheName, String incarnation, Map<String, String> settings,
      byte[] configuration, Set<String> holders, String createdOn) implements Serializable {
    private static final long serialVersionUID = 1L;

    Listing withHolders(Set<String> newHolders) {
      return new Listing(scope, cacheName, incarnation, settings, configuration, newHolders, createdOn);
    }
  }

  private final HazelcastInstance hazelcast;
  private final IMap<String, Listing> map;
  private final String scope;
  /** This manager, as a holder: member UUID, then a manager id unique in this JVM. */
  private final String holder;

  CacheDirectory(HazelcastInstance hazelcast, String scope) {
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP_NAME);
    this.scope = scope;
    this.holder = hazelcast.getCluster().getLocalMember().getUuid() + "/" + UUID.randomUUID();
  }

  private String key(String cacheName) {
    return CacheNames.mapName(cacheName, scope, false);
  }

  /**
   * Lists {@code cacheName} with {@code configuration} (the effective one) and this manager as a holder,
   * or joins the listing another manager made if its settings are the same; returns the listing's
   * incarnation.
   *
   * @throws CacheException if the cache exists in the cluster with other settings; it names them
   */
  String join(String cacheName, TierCacheConfiguration<?, ?> configuration) {
    Map<String, String> settings = settingsOf(configuration);
    String key = key(cacheName);
    map.lock(key);
    try {
      Listing current = live(map.get(key));
      if (current == null) {
        Listing created = new Listing(scope, cacheName, UUID.randomUUID().toString(), settings,
            serialize(configuration), Set.of(holder), hazelcast.getCluster().getLocalMember().getAddress().toString());
        map.set(key, created);
        return created.incarnation();
      }
      if (!current.settings().equals(settings)) {
        throw new CacheException("Cache " + cacheName + " exists in the cluster with another configuration "
            + "(created on member " + current.createdOn() + "): " + differences(current.settings(), settings)
            + ". Use getCache(\"" + cacheName + "\") to open it as it is, or give this one another name");
      }
      Set<String> holders = new LinkedHashSet<>(current.holders());
      holders.add(holder);
      map.set(key, current.withHolders(holders));
      return current.incarnation();
    } finally {
      map.unlock(key);
    }
  }

  /**
   * The listing of a cache some manager in the cluster holds open, or {@code null}; its configuration
   * ready to open here.
   */
  Listing find(String cacheName) {
    return live(map.get(key(cacheName)));
  }

  /**
   * The configuration of {@code listing}, deserialized with {@code classLoader}; {@code null} if it could
   * not travel (a factory that does not serialize) or cannot be read here (logged): {@code getCache} then
   * finds nothing, and {@code createCache} with the same settings on this member joins the listing.
   */
  @SuppressWarnings("unchecked")
  static <K, V> TierCacheConfiguration<K, V> configurationOf(Listing listing, ClassLoader classLoader) {
    if (listing.configuration() == null) {
      LOG.info("Cache " + listing.cacheName() + " was created on member " + listing.createdOn() + " with a "
          + "configuration that cannot be sent to other members (a factory or listener that is not serializable): "
          + "create it here with createCache and the same configuration");
      return null;
    }
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(listing.configuration()),
        classLoader)) {
      return (TierCacheConfiguration<K, V>) in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      LOG.warning("Cache " + listing.cacheName() + " was created on member " + listing.createdOn() + " with a "
          + "configuration this member cannot read (" + e + "): are its classes on this class path?");
      return null;
    }
  }

  /** The names of the caches some manager of this scope holds open, anywhere in the cluster. */
  Set<String> names() {
    return map.values().stream().filter(l -> l.scope().equals(scope)).map(this::live)
        .filter(java.util.Objects::nonNull).map(Listing::cacheName).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** This manager no longer holds {@code cacheName} open; the listing goes with its last holder. */
  void leave(String cacheName) {
    String key = key(cacheName);
    try {
      map.lock(key);
    } catch (RuntimeException e) {
      return; // the member is stopping: its holders are dropped as soon as it has left
    }
    try {
      Listing current = live(map.get(key));
      if (current == null || !current.holders().contains(holder)) {
        return;
      }
      Set<String> holders = new LinkedHashSet<>(current.holders());
      holders.remove(holder);
      if (holders.isEmpty()) {
        map.remove(key); // remove, not delete: the listeners need the old listing in the event
      } else {
        map.set(key, current.withHolders(holders));
      }
    } finally {
      map.unlock(key);
    }
  }

  /** Removes the listing: the cache is destroyed, for every manager that holds it. */
  void remove(String cacheName) {
    String key = key(cacheName);
    map.lock(key); // so that a join in progress cannot write the listing back after it
    try {
      map.remove(key);
    } finally {
      map.unlock(key);
    }
  }

  /** Calls {@code onRemoved(cacheName, incarnation)} whenever a listing of this scope goes; returns the id. */
  UUID onRemoved(BiConsumer<String, String> onRemoved) {
    return map.addEntryListener((EntryRemovedListener<String, Listing>) (EntryEvent<String, Listing> e) -> {
      Listing gone = e.getOldValue();
      if (gone != null && gone.scope().equals(scope)) {
        onRemoved.accept(gone.cacheName(), gone.incarnation());
      }
    }, true);
  }

  void stopListening(UUID registration) {
    try {
      map.removeEntryListener(registration);
    } catch (RuntimeException e) {
      // the member is stopping: nothing left to listen to
    }
  }

  /** {@code listing} without the holders on members that have left, or {@code null} if none is left. */
  private Listing live(Listing listing) {
    if (listing == null) {
      return null;
    }
    Set<String> members = hazelcast.getCluster().getMembers().stream().map(Member::getUuid).map(UUID::toString)
        .collect(Collectors.toSet());
    Set<String> holders = listing.holders().stream().filter(h -> members.contains(h.substring(0, h.indexOf('/'))))
        .collect(Collectors.toCollection(LinkedHashSet::new));
    return holders.isEmpty() ? null : holders.size() == listing.holders().size() ? listing : listing.withHolders(holders);
  }

  // ------------------------------------------------------------------ what is compared

  /** The settings two members must agree on, by name, in a form that names them in a message. */
  static Map<String, String> settingsOf(TierCacheConfiguration<?, ?> c) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("key type", c.getKeyType().getName());
    s.put("value type", c.getValueType().getName());
    s.put("expiry", describe(c.getExpiryPolicyFactory().create()));
    s.put("expiry jitter", String.valueOf(c.getExpiryJitter()));
    s.put("refresh", String.valueOf(c.getRefresh()));
    s.put("read-through", String.valueOf(c.isReadThrough()));
    s.put("write-through", String.valueOf(c.isWriteThrough()));
    s.put("loader", factoryName(c.getCacheLoaderFactory()));
    s.put("writer", factoryName(c.getCacheWriterFactory()));
    s.put("write-behind", String.valueOf(TierCacheConfiguration.writesBehind(c) ? c.getWriteBehind() : null));
    return s;
  }

  /**
   * JCache's own policies by their durations; any other by its class only: its methods may count their
   * calls or depend on when they are asked (the TCK's policies count them), so describing must not call them.
   */
  private static String describe(ExpiryPolicy policy) {
    if (!STANDARD_POLICIES.contains(policy.getClass())) {
      return policy.getClass().getName();
    }
    return policy.getClass().getSimpleName() + "(creation " + describe(policy.getExpiryForCreation()) + ", update "
        + describe(policy.getExpiryForUpdate()) + ", access " + describe(policy.getExpiryForAccess()) + ")";
  }

  private static String describe(Duration d) {
    if (d == null) {
      return "unchanged";
    }
    return d.isEternal() ? "eternal" : d.getDurationAmount() + " " + d.getTimeUnit().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String factoryName(Factory<?> factory) {
    return factory == null ? "none" : factory.getClass().getName();
  }

  private static String differences(Map<String, String> there, Map<String, String> here) {
    return there.keySet().stream().filter(name -> !there.get(name).equals(here.get(name)))
        .map(name -> name + " there " + there.get(name) + ", here " + here.get(name))
        .collect(Collectors.joining("; "));
  }

  /** The configuration in Java serialization, or {@code null} if some part of it is not serializable. */
  private static byte[] serialize(TierCacheConfiguration<?, ?> configuration) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(configuration);
    } catch (IOException e) {
      return null;
    }
    return bytes.toByteArray();
  }

  /** Resolves classes with the manager's class loader, where the application's factories live. */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(ByteArrayInputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }
  }
}
