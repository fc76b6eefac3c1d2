package dev.tiercache.nearcache;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Classes whose instances cannot change, so a near cache hit may hand out the instance it holds: a copy
 * would be indistinguishable. Exact classes only (a subclass of {@code BigDecimal} may be mutable), plus
 * enums and records whose components are all primitives or of such types (declared, not just held).
 */
final class Immutables {

  private static final Set<Class<?>> KNOWN = Set.of(String.class, Boolean.class, Character.class, Byte.class,
      Short.class, Integer.class, Long.class, Float.class, Double.class, BigInteger.class, BigDecimal.class,
      UUID.class, Locale.class, URI.class, Class.class, Instant.class, LocalDate.class, LocalTime.class,
      LocalDateTime.class, OffsetDateTime.class, OffsetTime.class, ZonedDateTime.class, Duration.class,
      Period.class, Year.class, YearMonth.class, MonthDay.class, ZoneOffset.class);

  private static final ClassValue<Boolean> IMMUTABLE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return decide(type);
    }
  };

  private Immutables() {}

  static boolean isImmutable(Class<?> type) {
    return IMMUTABLE.get(type);
  }

  private static boolean decide(Class<?> type) {
    if (KNOWN.contains(type) || type.isEnum() || (type.getSuperclass() != null && type.getSuperclass().isEnum())) {
      return true;
    }
    if (ZoneId.class.isAssignableFrom(type) && type.getName().startsWith("java.time.")) {
      return true;
    }
    if (type.isRecord()) {
      for (RecordComponent component : type.getRecordComponents()) {
        Class<?> declared = component.getType();
        if (!declared.isPrimitive() && !KNOWN.contains(declared) && !declared.isEnum()) {
          return false;
        }
      }
      return true;
    }
    return false;
  }
}
