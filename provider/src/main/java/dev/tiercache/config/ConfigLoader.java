package dev.tiercache.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a {@code tiercache.yaml} (see {@code docs/configuration.md} for every key). Strict on
 * purpose: an unknown key is an error, not a silently ignored typo, and every message names the file,
 * the key path and the line, so a bad file fails {@code getCacheManager} before a member starts.
 */
public final class ConfigLoader {

  private static final Set<String> ROOT_KEYS = Set.of("cluster", "defaults", "caches");
  private static final Set<String> CLUSTER_KEYS = Set.of("name", "bind-address", "port", "members");
  private static final Set<String> CACHE_KEYS =
      Set.of("max-entries", "max-memory", "backups", "expiry", "statistics", "management", "key-type", "value-type",
          "write-behind", "near-cache", "refresh", "warm-up");
  private static final Set<String> REFRESH_KEYS = Set.of("after", "serve-stale-for");
  private static final Set<String> NEAR_CACHE_KEYS =
      Set.of("enabled", "max-entries", "max-memory", "time-to-live", "repair-interval", "warm-up");
  private static final Set<String> WRITE_BEHIND_KEYS =
      Set.of("delay", "batch-size", "max-backlog", "when-full", "max-retry-delay", "max-attempts");
  private static final Set<String> EXPIRY_KEYS = Set.of("after-create", "after-write", "after-access", "jitter");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern PERCENT = Pattern.compile("(\\d{1,9})\\s*%");

  private final String source;
  private final ClassLoader classLoader;

  private ConfigLoader(String source, ClassLoader classLoader) {
    this.source = source;
    this.classLoader = classLoader;
  }

  /**
   * Loads the file a CacheManager URI names: {@code classpath:path} (resolved with the manager's class
   * loader), or any URI Java can open as a URL ({@code file:}, {@code jar:}).
   */
  public static TiercacheConfig load(URI uri, ClassLoader classLoader) {
    String source = uri.toString();
    try (InputStream in = open(uri, classLoader)) {
      return parse(source, new InputStreamReader(in, StandardCharsets.UTF_8), classLoader);
    } catch (IOException e) {
      throw new TiercacheConfigException("Cannot read Tiercache configuration " + source + ": " + e, e);
    }
  }

  /** Parses YAML text; {@code source} names it in error messages. */
  public static TiercacheConfig parse(String source, Reader yaml, ClassLoader classLoader) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(yaml);
    } catch (YAMLException e) {
      throw new TiercacheConfigException("Tiercache configuration " + source + " is not valid YAML: "
          + e.getMessage(), e);
    }
    ConfigLoader loader = new ConfigLoader(source, classLoader);
    if (root == null) {
      throw new TiercacheConfigException("Tiercache configuration " + source + " is empty: expected a "
          + "'tiercache:' section");
    }
    return loader.readRoot(root);
  }

  private static InputStream open(URI uri, ClassLoader classLoader) throws IOException {
    if ("classpath".equals(uri.getScheme())) {
      String path = uri.getSchemeSpecificPart();
      while (path.startsWith("/")) {
        path = path.substring(1);
      }
      ClassLoader loader = classLoader != null ? classLoader : ConfigLoader.class.getClassLoader();
      InputStream in = loader.getResourceAsStream(path);
      if (in == null) {
        throw new TiercacheConfigException("Tiercache configuration " + uri + " not found: no resource '"
            + path + "' on the class path");
      }
      return in;
    }
    if (!uri.isAbsolute()) {
      throw new TiercacheConfigException("Tiercache configuration URI " + uri + " names no file: use "
          + "classpath:<resource> or file:<path>");
    }
    try {
      return uri.toURL().openStream();
    } catch (IllegalArgumentException | java.net.MalformedURLException e) {
      throw new TiercacheConfigException("Tiercache configuration URI " + uri + " cannot be opened: use "
          + "classpath:<resource> or file:<path>", e);
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new TiercacheConfigException("Tiercache configuration " + uri + " not found", e);
    }
  }

  private TiercacheConfig readRoot(Node root) {
    MappingNode top = mapping(root, "(document)");
    Node body = null;
    for (NodeTuple tuple : top.getValue()) {
      String key = keyOf(tuple);
      if (!key.equals("tiercache")) {
        throw error(tuple.getKeyNode(), key, "unknown top-level key; the file starts with 'tiercache:'");
      }
      body = tuple.getValueNode();
    }
    if (body == null) {
      throw new TiercacheConfigException("Tiercache configuration " + source + " has no 'tiercache:' section");
    }
    ClusterSettings cluster = ClusterSettings.standalone();
    CacheSettings defaults = CacheSettings.DEFAULTS;
    Map<String, Node> cacheNodes = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping(body, "tiercache").getValue()) {
      String key = keyOf(tuple);
      String path = "tiercache." + key;
      checkKnown(tuple, path, key, ROOT_KEYS);
      switch (key) {
        case "cluster" -> cluster = readCluster(tuple.getValueNode(), path);
        case "defaults" -> defaults = readCache(tuple.getValueNode(), path, CacheSettings.DEFAULTS);
        default -> {
          for (NodeTuple cache : mapping(tuple.getValueNode(), path).getValue()) {
            cacheNodes.put(keyOf(cache), cache.getValueNode());
          }
        }
      }
    }
    Map<String, CacheSettings> caches = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : cacheNodes.entrySet()) {
      caches.put(e.getKey(), readCache(e.getValue(), "tiercache.caches." + e.getKey(), defaults));
    }
    return new TiercacheConfig(source, cluster, defaults, caches);
  }

  private ClusterSettings readCluster(Node node, String path) {
    String name = null;
    String bind = ClusterSettings.DEFAULT_BIND_ADDRESS;
    int port = ClusterSettings.DEFAULT_PORT;
    List<String> members = new ArrayList<>();
    for (NodeTuple tuple : mapping(node, path).getValue()) {
      String key = keyOf(tuple);
      String keyPath = path + "." + key;
      checkKnown(tuple, keyPath, key, CLUSTER_KEYS);
      Node value = tuple.getValueNode();
      switch (key) {
        case "name" -> name = scalar(value, keyPath);
        case "bind-address" -> bind = bindAddress(value, keyPath);
        case "port" -> port = integer(value, keyPath, 1, 65535);
        default -> {
          if (!(value instanceof SequenceNode list)) {
            throw error(value, keyPath, "expected a list of host:port entries");
          }
          for (Node member : list.getValue()) {
            String text = scalar(member, keyPath);
            if (!text.matches("[^:\\s]+(:\\d{1,5})?")) {
              throw error(member, keyPath, "'" + text + "' is not host or host:port");
            }
            members.add(text);
          }
        }
      }
    }
    if (!members.isEmpty() && name == null) {
      throw error(node, path + ".name", "a cluster with members needs a name, so that separate clusters "
          + "on one machine never join each other");
    }
    if (members.isEmpty() && name != null) {
      throw error(node, path + ".members", "a cluster named '" + name + "' needs its members (host:port "
          + "list): without them this member joins nobody and the name does nothing; leave the cluster "
          + "section out for a standalone member");
    }
    return new ClusterSettings(name, bind, port, members);
  }

  /**
   * The one address this member binds: an IP address of one of this machine's interfaces. Not a host
   * name (the member would bind whatever it resolves to, and Hazelcast matches interfaces by address),
   * not the wildcard {@code 0.0.0.0} (a member announces the address it binds; the others could not
   * reach "any").
   */
  private String bindAddress(Node node, String path) {
    String text = scalar(node, path).trim();
    String octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    boolean literal = text.matches(octet + "(\\." + octet + "){3}")
        || (text.contains(":") && text.matches("[0-9a-fA-F:.]+"));
    if (!literal) {
      throw error(node, path, "'" + text + "' is not an IP address: give this machine's address on the network "
          + "the members share (a host name is not resolved here)");
    }
    java.net.InetAddress address;
    try {
      address = java.net.InetAddress.getByName(text); // a literal: no lookup
    } catch (java.net.UnknownHostException e) {
      throw error(node, path, "'" + text + "' is not an IP address");
    }
    if (address.isAnyLocalAddress()) {
      throw error(node, path, "'" + text + "' (any address) cannot be announced to the other members: give "
          + "this machine's address on the network they share, such as 127.0.0.1 on one machine");
    }
    try {
      if (java.net.NetworkInterface.getByInetAddress(address) == null) {
        throw error(node, path, "'" + text + "' is not an address of this machine: no network interface has it");
      }
    } catch (java.net.SocketException e) {
      throw error(node, path, "cannot list this machine's network interfaces to check '" + text + "': " + e);
    }
    return text;
  }

  private CacheSettings readCache(Node node, String path, CacheSettings base) {
    int maxEntries = base.maxEntries();
    MemoryBound maxMemory = base.maxMemory();
    Node entriesNode = null;
    Node memoryNode = null;
    int backups = base.backups();
    ExpirySetting expiry = base.expiry();
    boolean statistics = base.statistics();
    boolean management = base.management();
    Class<?> keyType = base.keyType();
    Class<?> valueType = base.valueType();
    WriteBehindSettings writeBehind = base.writeBehind();
    NearCacheSettings nearCache = base.nearCache();
    RefreshSettings refresh = base.refresh();
    WarmUpSettings warmUp = base.warmUp();
    if (!(node instanceof ScalarNode s && s.getValue().isEmpty())) {
      for (NodeTuple tuple : mapping(node, path).getValue()) {
        String key = keyOf(tuple);
        String keyPath = path + "." + key;
        checkKnown(tuple, keyPath, key, CACHE_KEYS);
        Node value = tuple.getValueNode();
        switch (key) {
          case "max-entries" -> { // a section's own bound replaces the template's, of either measure
            maxEntries = integer(value, keyPath, 1, Integer.MAX_VALUE);
            maxMemory = null;
            entriesNode = value;
          }
          case "max-memory" -> {
            maxMemory = memory(value, keyPath);
            maxEntries = 0;
            memoryNode = value;
          }
          case "backups" -> backups = integer(value, keyPath, 0, 6);
          case "expiry" -> expiry = readExpiry(value, keyPath, expiry);
          case "statistics" -> statistics = bool(value, keyPath);
          case "management" -> management = bool(value, keyPath);
          case "key-type" -> keyType = type(value, keyPath);
          case "write-behind" -> writeBehind = readWriteBehind(value, keyPath);
          case "near-cache" -> nearCache = readNearCache(value, keyPath, nearCache);
          case "refresh" -> refresh = readRefresh(value, keyPath, refresh);
          case "warm-up" -> warmUp = readWarmUp(value, keyPath);
          default -> valueType = type(value, keyPath);
        }
      }
    }
    if (entriesNode != null && memoryNode != null) {
      throw error(memoryNode, path + ".max-memory", "L2 is bounded by one measure: max-entries or max-memory, "
          + "not both");
    }
    return new CacheSettings(maxEntries, maxMemory, backups, expiry, statistics, management, keyType, valueType,
        writeBehind, nearCache, refresh, warmUp);
  }

  private NearCacheSettings readNearCache(Node node, String path, NearCacheSettings base) {
    NearCacheSettings settings = base;
    for (NodeTuple tuple : mapping(node, path).getValue()) {
      String key = keyOf(tuple);
      String keyPath = path + "." + key;
      checkKnown(tuple, keyPath, key, NEAR_CACHE_KEYS);
      Node value = tuple.getValueNode();
      settings = switch (key) {
        case "enabled" -> settings.withEnabled(bool(value, keyPath));
        case "max-entries" -> settings.withMaxEntries(integer(value, keyPath, 1, Integer.MAX_VALUE));
        case "max-memory" -> settings.withMaxMemory(memory(value, keyPath));
        case "time-to-live" -> settings.withTimeToLiveMillis(durationOrZero(value, keyPath));
        case "warm-up" -> settings.withWarmUpKeys(integer(value, keyPath, 0, 1_000_000));
        default -> {
          long millis = duration(value, keyPath);
          if (millis < NearCacheSettings.MIN_REPAIR_INTERVAL_MILLIS) {
            throw error(value, keyPath, "must be at least " + NearCacheSettings.MIN_REPAIR_INTERVAL_MILLIS
                + "ms, was " + millis + "ms");
          }
          yield settings.withRepairIntervalMillis(millis);
        }
      };
    }
    return settings;
  }

  private WriteBehindSettings readWriteBehind(Node node, String path) {
    WriteBehindSettings d = WriteBehindSettings.DEFAULTS;
    long delay = d.delayMillis();
    int batchSize = d.batchSize();
    int maxBacklog = d.maxBacklog();
    WriteBehindSettings.WhenFull whenFull = d.whenFull();
    long maxRetryDelay = d.maxRetryDelayMillis();
    int maxAttempts = d.maxAttempts();
    if (!(node instanceof ScalarNode s && s.getValue().isEmpty())) {
      for (NodeTuple tuple : mapping(node, path).getValue()) {
        String key = keyOf(tuple);
        String keyPath = path + "." + key;
        checkKnown(tuple, keyPath, key, WRITE_BEHIND_KEYS);
        Node value = tuple.getValueNode();
        switch (key) {
          case "delay" -> delay = durationOrZero(value, keyPath);
          case "batch-size" -> batchSize = integer(value, keyPath, 1, 100_000);
          case "max-backlog" -> maxBacklog = integer(value, keyPath, 1, Integer.MAX_VALUE);
          case "max-retry-delay" -> maxRetryDelay = Math.max(100, duration(value, keyPath));
          case "max-attempts" -> maxAttempts = integer(value, keyPath, 1, 1_000_000);
          default -> {
            String text = scalar(value, keyPath);
            try {
              whenFull = WriteBehindSettings.WhenFull.valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              throw error(value, keyPath, "expected block or reject, was '" + text + "'");
            }
          }
        }
      }
    }
    return new WriteBehindSettings(delay, batchSize, maxBacklog, whenFull, maxRetryDelay, maxAttempts);
  }

  private long durationOrZero(Node node, String path) {
    if (node instanceof ScalarNode s && s.getValue().trim().matches("0\\s*(ms|s|m|h|d)?")) {
      return 0;
    }
    return duration(node, path);
  }

  /**
   * {@code none}, or a section whose keys override those of {@code base} (the template's): a cache that
   * gives only {@code jitter} keeps the template's time to live, one that gives only a time to live keeps
   * its jitter.
   */
  private ExpirySetting readExpiry(Node node, String path, ExpirySetting base) {
    if (node instanceof ScalarNode s && s.getValue().equals("none")) {
      return ExpirySetting.NONE;
    }
    ExpirySetting.Kind kind = base.kind();
    long millis = base.millis();
    ExpiryJitter jitter = base.jitter();
    boolean timeGiven = false;
    for (NodeTuple tuple : mapping(node, path).getValue()) {
      String key = keyOf(tuple);
      String keyPath = path + "." + key;
      checkKnown(tuple, keyPath, key, EXPIRY_KEYS);
      if (key.equals("jitter")) {
        jitter = readJitter(tuple.getValueNode(), keyPath);
        continue;
      }
      if (timeGiven) {
        throw error(tuple.getKeyNode(), keyPath, "expected 'none' or at most one of "
            + "[after-access, after-create, after-write] (and an optional jitter)");
      }
      millis = duration(tuple.getValueNode(), keyPath);
      kind = ExpirySetting.Kind.valueOf(key.toUpperCase(Locale.ROOT).replace('-', '_'));
      timeGiven = true;
    }
    return new ExpirySetting(kind, millis, jitter);
  }

  /** {@code none}; an empty section for the defaults; or {@code batch-size: N}. */
  private WarmUpSettings readWarmUp(Node node, String path) {
    if (node instanceof ScalarNode s && s.getValue().equals("none")) {
      return null;
    }
    if (node instanceof ScalarNode s && s.getValue().isEmpty()) {
      return WarmUpSettings.DEFAULTS;
    }
    int batchSize = WarmUpSettings.DEFAULTS.batchSize();
    for (NodeTuple tuple : mapping(node, path).getValue()) {
      String key = keyOf(tuple);
      String keyPath = path + "." + key;
      checkKnown(tuple, keyPath, key, Set.of("batch-size"));
      batchSize = integer(tuple.getValueNode(), keyPath, 1, 100_000);
    }
    return new WarmUpSettings(batchSize);
  }

  /** {@code none}, or {@code after: 80%} and/or {@code serve-stale-for: 30s}, over the template's ({@code base}). */
  private RefreshSettings readRefresh(Node node, String path, RefreshSettings base) {
    if (node instanceof ScalarNode s && s.getValue().equals("none")) {
      return RefreshSettings.NONE;
    }
    int afterPercent = base.afterPercent();
    long staleMillis = base.serveStaleMillis();
    MappingNode section = mapping(node, path);
    if (section.getValue().isEmpty()) {
      throw error(node, path, "expected 'none' or at least one of " + new java.util.TreeSet<>(REFRESH_KEYS));
    }
    for (NodeTuple tuple : section.getValue()) {
      String key = keyOf(tuple);
      String keyPath = path + "." + key;
      checkKnown(tuple, keyPath, key, REFRESH_KEYS);
      if (key.equals("after")) {
        afterPercent = percent(tuple.getValueNode(), keyPath);
      } else {
        staleMillis = duration(tuple.getValueNode(), keyPath);
      }
    }
    return new RefreshSettings(afterPercent, staleMillis);
  }

  /** A share such as {@code 80%}, 1 to 100. */
  private int percent(Node node, String path) {
    String text = scalar(node, path).trim();
    Matcher m = PERCENT.matcher(text);
    if (!m.matches()) {
      throw error(node, path, "'" + text + "' is not a share such as 80%");
    }
    int percent = Integer.parseInt(m.group(1));
    if (percent < 1 || percent > 100) {
      throw error(node, path, "a share must be between 1% and 100%, was " + text);
    }
    return percent;
  }

  /** {@code 10%} (a share of each time to live, 1 to 100) or a duration ({@code 30s}). */
  private ExpiryJitter readJitter(Node node, String path) {
    String text = scalar(node, path).trim();
    if (PERCENT.matcher(text).matches()) {
      return ExpiryJitter.ofPercent(percent(node, path));
    }
    if (!DURATION.matcher(text).matches()) {
      throw error(node, path, "'" + text + "' is neither a share such as 10% nor a duration such as 30s");
    }
    return ExpiryJitter.upTo(java.time.Duration.ofMillis(duration(node, path)));
  }

  private MemoryBound memory(Node node, String path) {
    try {
      return MemoryBound.parse(scalar(node, path));
    } catch (IllegalArgumentException e) {
      throw error(node, path, e.getMessage());
    }
  }

  private long duration(Node node, String path) {
    String text = scalar(node, path).trim();
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw error(node, path, "'" + text + "' is not a duration such as 500ms, 30s, 10m, 2h or 1d");
    }
    long amount;
    try {
      amount = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw error(node, path, "'" + text + "' is too long a duration");
    }
    long unit = switch (m.group(2)) {
      case "ms" -> 1L;
      case "s" -> 1_000L;
      case "m" -> 60_000L;
      case "h" -> 3_600_000L;
      default -> 86_400_000L;
    };
    if (amount <= 0) {
      throw error(node, path, "a duration must be positive");
    }
    if (amount > Long.MAX_VALUE / unit) {
      throw error(node, path, "'" + text + "' is too long a duration");
    }
    return amount * unit;
  }

  private Class<?> type(Node node, String path) {
    String name = scalar(node, path);
    try {
      return Class.forName(name, false, classLoader != null ? classLoader : ConfigLoader.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw error(node, path, "class '" + name + "' not found");
    }
  }

  private boolean bool(Node node, String path) {
    String text = scalar(node, path);
    if (text.equals("true") || text.equals("false")) {
      return Boolean.parseBoolean(text);
    }
    throw error(node, path, "expected true or false, was '" + text + "'");
  }

  private int integer(Node node, String path, int min, int max) {
    String text = scalar(node, path).replace("_", "");
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw error(node, path, "must be between " + min + " and " + max + ", was " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw error(node, path, "expected a whole number, was '" + text + "'");
    }
  }

  private String scalar(Node node, String path) {
    if (node instanceof ScalarNode s) {
      return s.getValue();
    }
    throw error(node, path, "expected a single value");
  }

  /** A section of key: value pairs; a key given twice in it is an error (YAML would keep the last one). */
  private MappingNode mapping(Node node, String path) {
    if (!(node instanceof MappingNode m)) {
      throw error(node, path, "expected a section of key: value pairs");
    }
    Map<String, Node> seen = new java.util.HashMap<>();
    for (NodeTuple tuple : m.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode key) {
        Node first = seen.putIfAbsent(key.getValue(), key);
        if (first != null) {
          throw error(key, path.equals("(document)") ? key.getValue() : path + "." + key.getValue(),
              "given twice (first on line " + (first.getStartMark().getLine() + 1) + "); the second would "
              + "silently replace the first");
        }
      }
    }
    return m;
  }

  private String keyOf(NodeTuple tuple) {
    return scalar(tuple.getKeyNode(), "(key)");
  }

  private void checkKnown(NodeTuple tuple, String path, String key, Set<String> known) {
    if (!known.contains(key)) {
      throw error(tuple.getKeyNode(), path, "unknown key; expected one of " + new java.util.TreeSet<>(known));
    }
  }

  private TiercacheConfigException error(Node node, String path, String problem) {
    int line = node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    return new TiercacheConfigException("Tiercache configuration " + source + ", line " + line + ", '"
        + path + "': " + problem);
  }
}
