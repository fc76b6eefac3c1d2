package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import dev.tiercache.cluster.CacheNames;
import dev.tiercache.cluster.Members;
import dev.tiercache.config.CacheSettings;
import dev.tiercache.config.ExpirySetting;
import dev.tiercache.config.RefreshSettings;
import dev.tiercache.config.TiercacheConfig;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.spi.CachingProvider;

/**
 * A JCache {@link javax.cache.CacheManager} on an embedded Hazelcast member.
 *
 * <p>The manager leases a member shared with the other managers of the same configuration file (see
 * {@link Members}) and keeps its own set of open caches. The cluster's {@link CacheDirectory} makes a
 * cache created on one member known to the others: {@link #getCache} opens it here with the
 * configuration it was created with, {@link #getCacheNames()} lists it, {@link #destroyCache} closes it
 * everywhere, and creating it again with other settings is refused. Cache data lives in the cluster
 * under a name scoped by the manager's class loader (and, for a URI that is only a name, that URI), so
 * two managers with different class loaders never see each other's caches, while application instances
 * on several machines share theirs.
 */
public final class TierCacheManager implements javax.cache.CacheManager {

  private final TierCachingProvider provider;
  private final URI uri;
  private final WeakReference<ClassLoader> classLoader;
  private final Properties properties;
  private final TiercacheConfig config;
  private final String scope;
  private final Members.Lease member;
  private final Map<String, TierCache<?, ?>> caches = new ConcurrentHashMap<>();
  /** The directory incarnation of each cache open here (see {@link CacheDirectory}). */
  private final Map<String, String> incarnations = new ConcurrentHashMap<>();
  private final CacheDirectory directory;
  private final UUID removals;
  /** The lifecycle listener that marks the member stopped, so that no call asks the member itself. */
  private final UUID lifecycle;
  private volatile boolean memberStopped;
  private volatile boolean closed;

  TierCacheManager(TierCachingProvider provider, URI uri, ClassLoader classLoader, Properties properties,
      TiercacheConfig config, String scope) {
    this.provider = provider;
    this.uri = uri;
    this.classLoader = new WeakReference<>(classLoader);
    this.properties = properties;
    this.config = config;
    this.scope = scope;
    this.member = Members.acquire(config);
    // Every cache call checks that its manager is open: a flag the member's lifecycle sets, read in one
    // volatile load, rather than the member's own state through its proxy on every get.
    this.lifecycle = member.instance().getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN
          || event.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
        memberStopped = true;
      }
    });
    if (!member.instance().getLifecycleService().isRunning()) {
      memberStopped = true; // only ever set: the listener may have set it already
    }
    this.directory = new CacheDirectory(member.instance(), scope);
    this.removals = directory.onRemoved(this::destroyedElsewhere);
    try {
      for (Map.Entry<String, CacheSettings> e : config.caches().entrySet()) {
        CacheSettings settings = e.getValue();
        MutableConfiguration<Object, Object> startup = new MutableConfiguration<>();
        @SuppressWarnings("unchecked")
        Class<Object> keyType = (Class<Object>) settings.keyType();
        @SuppressWarnings("unchecked")
        Class<Object> valueType = (Class<Object>) settings.valueType();
        startup.setTypes(keyType, valueType);
        createCache(e.getKey(), startup);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public CachingProvider getCachingProvider() {
    return provider;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public ClassLoader getClassLoader() {
    return classLoader.get();
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  /** The configuration this manager was built from (the file its URI names, or the built-in defaults). */
  public TiercacheConfig tiercacheConfig() {
    return config;
  }

  @Override
  public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cache name");
    Objects.requireNonNull(configuration, "configuration");
    synchronized (caches) {
      if (caches.containsKey(cacheName)) {
        throw new CacheException("Cache " + cacheName + " already exists in CacheManager " + uri);
      }
      TierCacheConfiguration<K, V> effective = effectiveConfiguration(cacheName, configuration);
      return open(cacheName, effective, directory.join(cacheName, effective));
    }
  }

  /**
   * Opens the cache here with {@code effective}, listed in the directory as {@code incarnation} (this
   * manager a holder of it). Caller holds the lock on {@link #caches}.
   */
  private <K, V> TierCache<K, V> open(String cacheName, TierCacheConfiguration<K, V> effective, String incarnation) {
    TierCache<K, V> cache;
    try {
      cache = new TierCache<>(this, cacheName, effective, member.instance(), member.serialization(),
          CacheNames.mapName(cacheName, scope, TierCacheConfiguration.writesBehind(effective)));
    } catch (RuntimeException e) {
      directory.leave(cacheName);
      throw e;
    }
    caches.put(cacheName, cache);
    incarnations.put(cacheName, incarnation);
    return cache;
  }

  /**
   * The cache open here, or else the one another member created and holds open (opened here with its
   * configuration), or {@code null}.
   */
  private TierCache<?, ?> openedOrListed(String cacheName) {
    TierCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      return cache;
    }
    synchronized (caches) {
      cache = caches.get(cacheName);
      if (cache != null) {
        return cache;
      }
      CacheDirectory.Listing listing = directory.find(cacheName);
      if (listing == null) {
        return null;
      }
      TierCacheConfiguration<Object, Object> configuration =
          CacheDirectory.configurationOf(listing, getClassLoader());
      return configuration == null ? null : open(cacheName, configuration, directory.join(cacheName, configuration));
    }
  }

  /** The directory says {@code cacheName} was destroyed: the instance here of that incarnation closes. */
  private void destroyedElsewhere(String cacheName, String incarnation) {
    // Not on Hazelcast's event thread, which also carries near-cache invalidations: the manager's lock may be
    // held across remote calls, and a write-behind cache's shutdown may wait for its last writes.
    CompletableFuture.runAsync(() -> {
      TierCache<?, ?> cache;
      synchronized (caches) {
        if (!incarnation.equals(incarnations.get(cacheName))) {
          return; // another incarnation, or none, is open here
        }
        cache = caches.remove(cacheName);
        incarnations.remove(cacheName);
      }
      if (cache != null) {
        cache.shutdown();
      }
    });
  }

  /**
   * A private copy of the caller's configuration (later changes to theirs do not leak in), with the
   * configuration file's template filling in what a bare {@code MutableConfiguration} leaves at its
   * defaults: expiry and its jitter, refresh (for caches that read through), warm-up (for caches with a
   * loader), statistics, management,
   * write-behind (which applies only to a cache that has a writer and write-through on). Bounds and
   * backups come from the template through Hazelcast's map configuration.
   */
  private <K, V> TierCacheConfiguration<K, V> effectiveConfiguration(String cacheName, Configuration<K, V> given) {
    TierCacheConfiguration<K, V> copy;
    if (given instanceof CompleteConfiguration<K, V> complete) {
      copy = new TierCacheConfiguration<>(complete);
    } else {
      copy = new TierCacheConfiguration<>();
      copy.setTypes(given.getKeyType(), given.getValueType()).setStoreByValue(given.isStoreByValue());
    }
    if (!copy.isStoreByValue()) {
      throw new UnsupportedOperationException("Cache " + cacheName + ": Tiercache stores by value only; a "
          + "distributed cache cannot share object references between members. Remove setStoreByValue(false).");
    }
    CacheSettings settings = config.settingsFor(cacheName);
    if (settings.expiry().kind() != ExpirySetting.Kind.NONE
        && copy.getExpiryPolicyFactory().create() instanceof EternalExpiryPolicy) {
      copy.setExpiryPolicyFactory(settings.expiry().policyFactory());
    }
    if (copy.getExpiryJitter() == null) {
      copy.setExpiryJitter(settings.expiry().jitter());
    }
    if (copy.getWarmUp() == null && copy.getCacheLoaderFactory() != null) {
      copy.setWarmUp(settings.warmUp());
    } else if (copy.getWarmUp() != null && copy.getCacheLoaderFactory() == null) {
      throw new IllegalArgumentException("Cache " + cacheName + ": warm-up loads through the cache's "
          + "CacheLoader; set one with setCacheLoaderFactory, or leave warm-up out");
    }
    boolean readsThrough = copy.isReadThrough() && copy.getCacheLoaderFactory() != null;
    if (copy.getRefresh() == null) {
      copy.setRefresh(readsThrough ? settings.refresh() : RefreshSettings.NONE);
    } else if (!copy.getRefresh().isNone() && !readsThrough) {
      throw new IllegalArgumentException("Cache " + cacheName + ": refresh (" + copy.getRefresh() + ") reloads "
          + "through the cache's CacheLoader; set one with setCacheLoaderFactory and setReadThrough(true), or "
          + "leave refresh out");
    }
    checkRefresh(cacheName, copy);
    if (copy.getNearCache() == null) {
      copy.setNearCache(settings.nearCache());
    }
    if (settings.writeBehind() != null && copy.getWriteBehind() == null) {
      copy.setWriteBehind(settings.writeBehind());
    }
    if (settings.statistics()) {
      copy.setStatisticsEnabled(true);
    }
    if (settings.management()) {
      copy.setManagementEnabled(true);
    }
    return copy;
  }

  /**
   * A refresh must be able to happen: it needs a policy whose expiry no read moves (an access that moved
   * it would change the entry's version, and every reload would be dropped as stale), and a refresh point
   * before the entry expires (100% only with a stale window).
   */
  private static void checkRefresh(String cacheName, TierCacheConfiguration<?, ?> configuration) {
    RefreshSettings refresh = configuration.getRefresh();
    if (refresh.isNone()) {
      return;
    }
    Class<?> policy = configuration.getExpiryPolicyFactory().create().getClass();
    if (policy != CreatedExpiryPolicy.class && policy != ModifiedExpiryPolicy.class
        && policy != EternalExpiryPolicy.class) {
      throw new IllegalArgumentException("Cache " + cacheName + ": refresh (" + refresh + ") needs an expiry that "
          + "a read does not move (after-create or after-write: CreatedExpiryPolicy or ModifiedExpiryPolicy), not "
          + policy.getName());
    }
    if (refresh.afterPercent() == 100 && refresh.serveStaleMillis() == 0) {
      throw new IllegalArgumentException("Cache " + cacheName + ": refresh after 100% of the time to live comes when "
          + "the entry expires: give it a stale window (serve-stale-for) or a lower share");
    }
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cache name");
    Objects.requireNonNull(keyType, "key type");
    Objects.requireNonNull(valueType, "value type");
    TierCache<?, ?> cache = openedOrListed(cacheName);
    if (cache == null) {
      return null;
    }
    @SuppressWarnings("unchecked")
    CompleteConfiguration<?, ?> configuration = cache.getConfiguration(CompleteConfiguration.class);
    if (!configuration.getKeyType().equals(keyType)) {
      throw new ClassCastException("Cache " + cacheName + " has key type "
          + configuration.getKeyType().getName() + ", not " + keyType.getName());
    }
    if (!configuration.getValueType().equals(valueType)) {
      throw new ClassCastException("Cache " + cacheName + " has value type "
          + configuration.getValueType().getName() + ", not " + valueType.getName());
    }
    @SuppressWarnings("unchecked")
    Cache<K, V> typed = (Cache<K, V>) cache;
    return typed;
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cache name");
    @SuppressWarnings("unchecked")
    Cache<K, V> cache = (Cache<K, V>) openedOrListed(cacheName);
    return cache;
  }

  /** The caches open here and those other members hold open (see {@link CacheDirectory}). */
  @Override
  public Iterable<String> getCacheNames() {
    checkOpen();
    Set<String> names = new LinkedHashSet<>(caches.keySet());
    names.addAll(directory.names());
    return Collections.unmodifiableSet(names);
  }

  @Override
  public void destroyCache(String cacheName) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cache name");
    TierCache<?, ?> cache;
    synchronized (caches) {
      cache = caches.remove(cacheName);
      incarnations.remove(cacheName);
      directory.remove(cacheName); // every other manager that holds it closes its instance
    }
    if (cache != null) {
      cache.shutdown();
    }
    CacheNames.destroyCacheMaps(member.instance(), cacheName, scope);
  }

  @Override
  public void enableManagement(String cacheName, boolean enabled) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cache name");
    TierCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.setManagementEnabled(enabled);
    }
  }

  @Override
  public void enableStatistics(String cacheName, boolean enabled) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cache name");
    TierCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.setStatisticsEnabled(enabled);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    directory.stopListening(removals);
    try {
      member.instance().getLifecycleService().removeLifecycleListener(lifecycle);
    } catch (RuntimeException e) {
      // the member has stopped: its listeners are gone with it
    }
    synchronized (caches) {
      for (TierCache<?, ?> cache : caches.values()) {
        cache.shutdown();
        directory.leave(cache.getName());
      }
      caches.clear();
      incarnations.clear();
    }
    member.release();
    provider.forget(this);
  }

  @Override
  public boolean isClosed() {
    return closed || memberStopped;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    Objects.requireNonNull(clazz, "class");
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz.isInstance(member.instance())) {
      return clazz.cast(member.instance());
    }
    throw new IllegalArgumentException("A Tiercache CacheManager cannot be unwrapped to " + clazz.getName());
  }

  /** The embedded Hazelcast member behind this manager. */
  public HazelcastInstance hazelcastInstance() {
    return member.instance();
  }

  /** A cache closed by its user is no longer managed here. */
  void forget(TierCache<?, ?> cache) {
    synchronized (caches) {
      if (caches.remove(cache.getName(), cache)) {
        incarnations.remove(cache.getName());
        directory.leave(cache.getName());
      }
    }
  }

  private void checkOpen() {
    if (isClosed()) {
      throw new IllegalStateException("CacheManager " + uri + " is closed");
    }
  }

  @Override
  public String toString() {
    return "TierCacheManager[" + uri + "]";
  }
}
