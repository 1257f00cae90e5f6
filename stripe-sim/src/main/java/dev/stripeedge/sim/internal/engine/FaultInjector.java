package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimConfig.FaultRule;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Decides which requests fail and how, from the configured rules in order.
 *
 * <p>A rule matches every request, an endpoint ({@code "POST /v1/customers"} or its route template)
 * or a path prefix ({@code "/v1/customers"}), for every account or one; it fires with its rate and,
 * when it has {@code remaining}, only that many times. Seeded; thread-safe.
 */
final class FaultInjector {

  private final SplittableRandom random;
  private final Map<FaultRule, AtomicInteger> fired = new IdentityHashMap<>();

  FaultInjector(long seed) {
    this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
  }

  /** The rule that fires for this request, or null; {@code account} is the one it acts as. */
  synchronized @Nullable FaultRule pick(
      SimConfig config, String method, String path, Route route, String account) {
    List<FaultRule> rules = config.faults();
    for (FaultRule rule : rules) {
      if (!matches(rule, method, path, route)
          || (rule.account() != null && !rule.account().equals(account))) {
        continue;
      }
      if (rule.remaining() != null) {
        AtomicInteger count = fired.computeIfAbsent(rule, r -> new AtomicInteger());
        if (count.get() >= rule.remaining()) {
          continue;
        }
        if (random.nextDouble() < rule.rate()) {
          count.incrementAndGet();
          return rule;
        }
      } else if (random.nextDouble() < rule.rate()) {
        return rule;
      }
    }
    return null;
  }

  /** New rules: counts of "next N" rules start again. */
  synchronized void reset() {
    fired.clear();
  }

  private static boolean matches(FaultRule rule, String method, String path, Route route) {
    String endpoint = rule.endpoint();
    if (endpoint == null || endpoint.isBlank()) {
      return true;
    }
    if (endpoint.startsWith("/")) {
      return path.startsWith(endpoint);
    }
    return endpoint.equals(route.endpoint()) || endpoint.equals(method + " " + path);
  }
}
