package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.CacheRule;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.StripeRoutes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The stage that forwards a list asking, with {@code Stripe-Edge-Warm: objects}, that its objects
 * be stored as their retrieves, and stores them. Thread-safe; never blocks.
 */
final class Warming {

  private static final CacheStatus STATUS = new CacheStatus.Bypass("warm");

  private final L0Cache l0;
  private final TierChain tiers;
  private final CacheRule cacheRule;
  private final CacheKeys keys;
  private final CacheFill fill;
  private final UpstreamExchange upstream;
  private final Answers answers;

  Warming(
      L0Cache l0,
      TierChain tiers,
      CacheRule cacheRule,
      CacheKeys keys,
      CacheFill fill,
      UpstreamExchange upstream,
      Answers answers) {
    this.l0 = l0;
    this.tiers = tiers;
    this.cacheRule = cacheRule;
    this.keys = keys;
    this.fill = fill;
    this.upstream = upstream;
    this.answers = answers;
  }

  /**
   * Whether {@code request} asks for warming: a list with {@code Stripe-Edge-Warm: objects}, only
   * without {@code expand} (an expanded item is not what a plain retrieve answers). Judged on the
   * decoded parameters, as Stripe reads them: {@code %65xpand[]} expands too.
   */
  static boolean requested(EdgeRequest request, Route route) {
    return request.method().equals("GET")
        && route.kind() == Route.Kind.COLLECTION
        && "objects".equals(request.header(EdgeHeaders.WARM))
        && ApiKeys.of(request) != null
        && !FormCodec.expands(request.rawQuery());
  }

  /**
   * Forwards the list and stores each object it holds under the key of its own retrieve, as a fill
   * would (race-safe from the list's start, written through to the tiers). {@code
   * Stripe-Edge-Warmed} says how many were stored.
   */
  CompletableFuture<EdgeResponse> forward(EdgeRequest request, Route route, long start) {
    L0Cache.FillToken token = l0.beginFill();
    long fetchStartedMillis = tiers.nowMillis();
    return upstream
        .run(request, route)
        .thenApply(
            exchange -> {
              int warmed = 0;
              EdgeResponse response = exchange.response();
              if (response != null && response.status() == 200) {
                warmed = storeItems(request, response, token, fetchStartedMillis);
              }
              return answers.finish(
                  route,
                  request,
                  UpstreamExchange.answer(exchange)
                      .withHeader(EdgeHeaders.WARMED, Integer.toString(warmed)),
                  STATUS,
                  new ServerTiming(0, null, exchange),
                  start);
            });
  }

  private int storeItems(
      EdgeRequest list, EdgeResponse response, L0Cache.FillToken token, long fetchStartedMillis) {
    Map<String, List<String>> headers = new LinkedHashMap<>(response.headers());
    headers.remove("request-id");
    headers.remove("content-length");
    Map<String, List<String>> retrieveHeaders = new LinkedHashMap<>();
    for (String name :
        List.of("authorization", "stripe-account", "stripe-context", "stripe-version")) {
      List<String> values = list.headers().get(name);
      if (values != null) {
        retrieveHeaders.put(name, values);
      }
    }
    int stored = 0;
    for (ListItems.Item item : ListItems.of(response.body())) {
      EdgeRequest retrieve =
          new EdgeRequest("GET", list.path() + "/" + item.id(), "", retrieveHeaders, new byte[0]);
      Route route = StripeRoutes.classify(retrieve.path());
      if (route.kind() != Route.Kind.OBJECT && route.kind() != Route.Kind.NESTED_OBJECT) {
        continue;
      }
      if (!(cacheRule.decide(retrieve, route) instanceof CacheDecision.Cacheable rule)) {
        continue;
      }
      if (fill.store(
              token,
              keys.keyFor(retrieve),
              new EdgeResponse(200, headers, item.json()),
              CacheFill.watched(route, retrieve),
              rule,
              route.resource(),
              fetchStartedMillis)
          != null) {
        stored++;
      }
    }
    return stored;
  }
}
