package dev.tiercache.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bound on heap, per member: a share of the JVM's maximum heap ({@code 20%}) or a size ({@code 512MB},
 * {@code 2GB}). A share follows the heap the member is given, so one setting suits a laptop and a server.
 *
 * @param percent share of the maximum heap, 1 to 90; 0 when {@code megabytes} is the bound
 * @param megabytes the bound in MiB, at least 1; 0 when {@code percent} is the bound
 */
public record MemoryBound(int percent, long megabytes) implements java.io.Serializable {

  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(%|MB|GB)", Pattern.CASE_INSENSITIVE);

  public MemoryBound {
    if ((percent == 0) == (megabytes == 0)) {
      throw new IllegalArgumentException("a memory bound is a share of the heap or a size, not both nor neither");
    }
    if (percent < 0 || percent > 90) {
      throw new IllegalArgumentException("a memory bound must be 1% to 90% of the heap, was " + percent + "%");
    }
    if (megabytes < 0) {
      throw new IllegalArgumentException("a memory bound must be at least 1MB, was " + megabytes + "MB");
    }
  }

  /** {@code percent}% of the maximum heap. */
  public static MemoryBound ofPercent(int percent) {
    return new MemoryBound(percent, 0);
  }

  /** {@code megabytes} MiB. */
  public static MemoryBound ofMegabytes(long megabytes) {
    return new MemoryBound(0, megabytes);
  }

  /** Reads {@code 20%}, {@code 512MB} or {@code 2GB}. */
  public static MemoryBound parse(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a share of the heap (25%) or a size (512MB, 2GB), was '" + text
          + "'");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "%" -> ofPercent((int) Math.min(amount, Integer.MAX_VALUE));
      case "MB" -> ofMegabytes(amount);
      default -> ofMegabytes(Math.multiplyExact(amount, 1024L));
    };
  }

  /** The bound in bytes in this JVM. */
  public long bytes() {
    return percent > 0 ? Runtime.getRuntime().maxMemory() / 100 * percent : megabytes * 1024 * 1024;
  }

  @Override
  public String toString() {
    return percent > 0 ? percent + "%" : megabytes + "MB";
  }
}
