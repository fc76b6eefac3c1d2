package dev.tiercache.spring;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code tiercache.*}: what the Tiercache-native Spring cache manager is made from. */
@ConfigurationProperties(prefix = "tiercache")
public class TiercacheProperties {

  /**
   * The Tiercache configuration: a tiercache.yaml as classpath:... or file:..., or empty for
   * classpath:tiercache.yaml if there is one, else a standalone member on 127.0.0.1.
   */
  private String config;

  /** Caches to create at start-up (besides those the configuration file lists). */
  private List<String> cacheNames = new ArrayList<>();

  /** Whether a cache name not created at start-up is created on first use. */
  private boolean createMissingCaches = true;

  /** Whether null values are cached (stored as Spring's NullValue). */
  private boolean allowNullValues = true;

  public String getConfig() {
    return config;
  }

  public void setConfig(String config) {
    this.config = config;
  }

  public List<String> getCacheNames() {
    return cacheNames;
  }

  public void setCacheNames(List<String> cacheNames) {
    this.cacheNames = cacheNames;
  }

  public boolean isCreateMissingCaches() {
    return createMissingCaches;
  }

  public void setCreateMissingCaches(boolean createMissingCaches) {
    this.createMissingCaches = createMissingCaches;
  }

  public boolean isAllowNullValues() {
    return allowNullValues;
  }

  public void setAllowNullValues(boolean allowNullValues) {
    this.allowNullValues = allowNullValues;
  }
}
