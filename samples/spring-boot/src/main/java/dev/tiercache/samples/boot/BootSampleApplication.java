package dev.tiercache.samples.boot;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.stereotype.Service;

/** All a Spring Boot application needs for Tiercache: the dependency, a tiercache.yaml, @EnableCaching. */
@SpringBootApplication
@EnableCaching
public class BootSampleApplication {

  public static void main(String[] args) {
    SpringApplication.run(BootSampleApplication.class, args);
  }

  /** A slow lookup worth caching. */
  @Service
  public static class PriceService {
    final AtomicInteger lookups = new AtomicInteger();

    @Cacheable(cacheNames = "prices", sync = true)
    public long price(String sku) {
      lookups.incrementAndGet();
      return sku.hashCode() & 0xffff;
    }

    public int lookups() {
      return lookups.get();
    }
  }
}
