package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.IdempotencyKeys;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.SideEffectRule;
import dev.stripeedge.core.UpstreamException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The stage that forwards what is not looked up (writes, and reads the cache bypasses): the
 * idempotency key ensured before the first attempt, an unkeyed write's key remembered while its
 * outcome is ambiguous, and what a write changed dropped ({@link SideEffectRule}). Thread-safe;
 * never blocks.
 */
final class Forwarding {

  private final CacheKeys keys;
  private final RandomGenerator random;
  private final UnkeyedWrites unkeyedWrites;
  private final UpstreamExchange upstream;
  private final Answers answers;
  private final Invalidation invalidation;

  Forwarding(
      CacheKeys keys,
      RandomGenerator random,
      UnkeyedWrites unkeyedWrites,
      UpstreamExchange upstream,
      Answers answers,
      Invalidation invalidation) {
    this.keys = keys;
    this.random = random;
    this.unkeyedWrites = unkeyedWrites;
    this.upstream = upstream;
    this.answers = answers;
    this.invalidation = invalidation;
  }

  /** Forwards {@code request}, which the cache bypasses for {@code reason}. */
  CompletableFuture<EdgeResponse> forward(
      EdgeRequest request, Route route, String reason, long start) {
    // An unkeyed write repeating one whose outcome was ambiguous goes under that one's key.
    String fingerprint =
        unkeyedWrites.covers(request)
            ? UnkeyedWrites.fingerprint(keys.keyFor(request), request)
            : null;
    String reused = fingerprint == null ? null : unkeyedWrites.recall(fingerprint);
    EdgeRequest sent =
        reused != null
            ? request.withHeader(IdempotencyKeys.HEADER, reused)
            : IdempotencyKeys.ensure(request, random);
    CacheStatus status = new CacheStatus.Bypass(reason);
    return upstream
        .run(sent, route)
        .thenApply(
            exchange -> {
              if (!sent.method().equals("GET") && !sent.method().equals("HEAD")) {
                invalidateAfterWrite(sent, route, exchange);
              }
              EdgeResponse response = UpstreamExchange.answer(exchange);
              String key = sent.header(IdempotencyKeys.HEADER);
              if (key != null && sent.method().equals("POST")) {
                response = response.withHeader(IdempotencyKeys.HEADER, key);
              }
              if (fingerprint != null && key != null) {
                response = unkeyedAnswer(fingerprint, key, reused != null, exchange, response);
              }
              return answers.finish(
                  route, request, response, status, new ServerTiming(0, null, exchange), start);
            });
  }

  /**
   * Settles an unkeyed write's key by its outcome ({@link UnkeyedWrites#outcome}) and tells the
   * client in {@code Stripe-Edge-Idempotency}; when the edge itself answers (a timeout, a lost
   * connection) its message says so too, since that is where a person reads.
   */
  private EdgeResponse unkeyedAnswer(
      String fingerprint, String key, boolean reused, Exchange exchange, EdgeResponse response) {
    EdgeResponse upstreamAnswer = exchange.response();
    UnkeyedWrites.Outcome outcome =
        UnkeyedWrites.outcome(upstreamAnswer == null ? null : upstreamAnswer.status());
    boolean remembered = unkeyedWrites.settle(fingerprint, key, outcome);
    if (!remembered) {
      return reused ? response.withHeader(EdgeHeaders.IDEMPOTENCY, "reused") : response;
    }
    long seconds = unkeyedWrites.config().rememberFor().toSeconds();
    // Only the edge's own timeout or connection error is rebuilt: upstream's body stays as sent.
    EdgeResponse told =
        upstreamAnswer != null || !(exchange.failure() instanceof UpstreamException)
            ? response
            : UpstreamExchange.answer(
                    exchange,
                    " Stripe may have applied it: the edge keeps its Idempotency-Key ("
                        + key
                        + ") for "
                        + seconds
                        + " s, and the same request again (same API key, account, path and"
                        + " parameters) reuses it, so it is applied at most once.")
                .withHeader(IdempotencyKeys.HEADER, key);
    return told.withHeader(
        EdgeHeaders.IDEMPOTENCY, (reused ? "reused, " : "") + "remembered; for=" + seconds);
  }

  /**
   * Drops what a write may have changed, as {@link SideEffectRule} decides from the route, the
   * request and Stripe's answer (nothing when Stripe refused it untouched).
   */
  private void invalidateAfterWrite(EdgeRequest request, Route route, Exchange exchange) {
    EdgeResponse response = exchange.response();
    // The budget's own 429: Stripe never saw this attempt; earlier ones it may have applied.
    // (Checked by header too: an edge in front of another edge relays the other's refusal.)
    boolean refused =
        exchange.outcome() instanceof Exchange.Refused
            || (response != null && response.header(EdgeHeaders.REFUSED) != null);
    if (refused && exchange.attempts() == 0) {
      return;
    }
    EdgeResponse fromStripe = refused ? null : response;
    Set<String> ids = new LinkedHashSet<>();
    for (Dependency dependency :
        SideEffectRule.affected(
            request.method(),
            route,
            request.body(),
            fromStripe != null ? fromStripe.status() : 0,
            fromStripe != null ? fromStripe.body() : new byte[0])) {
      ids.add(dependency.key());
    }
    if (!ids.isEmpty()) {
      invalidation.drop(ids);
    }
  }
}
