package dev.stripeedge.bench.overload;

import static dev.stripeedge.bench.overload.OverloadScenario.KEY;

import com.stripe.StripeClient;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.param.CustomerListParams;
import com.stripe.param.EventListParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.PriceListParams;
import com.stripe.param.ProductListParams;
import dev.stripeedge.bench.overload.LoadMix.Call;
import dev.stripeedge.bench.overload.OverloadScenario.Outcome;
import dev.stripeedge.bench.overload.OverloadScenario.Result;
import dev.stripeedge.bench.overload.OverloadScenario.Sender;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How the overload benchmark sends a call: through stripe-java straight to the simulator (its
 * default retries), or through an edge pipeline; each on its own virtual thread, so the generator
 * never waits.
 */
final class Senders {

  private Senders() {}

  static Sender stripeJava(StripeClient stripe) {
    return (call, start, done) ->
        Thread.startVirtualThread(
            () -> {
              Outcome outcome;
              try {
                stripeJavaCall(stripe, call);
                outcome = Outcome.OK;
              } catch (RateLimitException e) {
                outcome = Outcome.RATE_LIMITED;
              } catch (StripeException e) {
                Integer status = e.getStatusCode();
                outcome = status != null && status == 429 ? Outcome.RATE_LIMITED : Outcome.ERROR;
              } catch (RuntimeException e) {
                outcome = Outcome.ERROR;
              }
              done.accept(new Result(call.lane(), 0, System.nanoTime() - start, outcome, false));
            });
  }

  private static void stripeJavaCall(StripeClient stripe, Call call) throws StripeException {
    switch (call.lane()) {
      case CRITICAL ->
          stripe
              .v1()
              .paymentIntents()
              .create(
                  PaymentIntentCreateParams.builder()
                      .setAmount(1000L)
                      .setCurrency("usd")
                      .addPaymentMethodType("card")
                      .build());
      case NORMAL ->
          stripe.v1().customers().retrieve(call.path().substring("/v1/customers/".length()));
      case BACKGROUND -> {
        switch (call.path()) {
          case "/v1/customers" ->
              stripe.v1().customers().list(CustomerListParams.builder().setLimit(10L).build());
          case "/v1/products" ->
              stripe.v1().products().list(ProductListParams.builder().setLimit(10L).build());
          case "/v1/prices" ->
              stripe.v1().prices().list(PriceListParams.builder().setLimit(10L).build());
          case "/v1/events" ->
              stripe.v1().events().list(EventListParams.builder().setLimit(10L).build());
          default -> throw new IllegalArgumentException(call.path());
        }
      }
    }
  }

  static Sender edge(EdgePipeline pipeline) {
    return (call, start, done) ->
        Thread.startVirtualThread(
            () -> {
              Map<String, List<String>> headers = new LinkedHashMap<>();
              headers.put("authorization", List.of("Bearer " + KEY));
              headers.put("priority", List.of(call.lane().priority()));
              if (!call.body().isEmpty()) {
                headers.put("content-type", List.of("application/x-www-form-urlencoded"));
              }
              EdgeRequest request =
                  new EdgeRequest(
                      call.method(),
                      call.path(),
                      call.query(),
                      headers,
                      call.body().getBytes(StandardCharsets.UTF_8));
              pipeline
                  .handle(request)
                  .whenComplete(
                      (response, error) ->
                          done.accept(
                              new Result(
                                  call.lane(),
                                  0,
                                  System.nanoTime() - start,
                                  classify(response, error),
                                  response != null && isHit(response.header("cache-status")),
                                  response == null ? null : response.header("server-timing"))));
            });
  }

  /**
   * The same calls as {@link #edge}, over real HTTP to a sidecar ({@code bin/stripe-edge serve} in
   * another process) at {@code base}: HTTP/1.1 (the proxy listener offers no h2c), one client with
   * its own connection pool, each call on a virtual thread.
   */
  static Sender sidecar(HttpClient http, URI base) {
    return (call, start, done) ->
        Thread.startVirtualThread(
            () -> {
              HttpRequest.Builder request =
                  HttpRequest.newBuilder(
                          base.resolve(
                              call.path() + (call.query().isEmpty() ? "" : "?" + call.query())))
                      .timeout(Duration.ofSeconds(60))
                      .header("Authorization", "Bearer " + KEY)
                      .header("Priority", call.lane().priority());
              if (call.body().isEmpty()) {
                request.method(call.method(), HttpRequest.BodyPublishers.noBody());
              } else {
                request
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .method(call.method(), HttpRequest.BodyPublishers.ofString(call.body()));
              }
              Outcome outcome;
              boolean hit = false;
              String timing = null;
              try {
                HttpResponse<Void> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.discarding());
                outcome =
                    classify(
                        response.statusCode(),
                        response.headers().firstValue(EdgeHeaders.REFUSED).orElse(null));
                hit = isHit(response.headers().firstValue("cache-status").orElse(null));
                timing = response.headers().firstValue("server-timing").orElse(null);
              } catch (IOException | RuntimeException e) {
                outcome = Outcome.ERROR;
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = Outcome.ERROR;
              }
              done.accept(
                  new Result(call.lane(), 0, System.nanoTime() - start, outcome, hit, timing));
            });
  }

  private static Outcome classify(@Nullable EdgeResponse response, @Nullable Throwable error) {
    if (error != null || response == null) {
      return Outcome.ERROR;
    }
    return classify(response.status(), response.header(EdgeHeaders.REFUSED));
  }

  private static Outcome classify(int status, @Nullable String refused) {
    if (status / 100 == 2) {
      return Outcome.OK;
    }
    if (status == 429) {
      return "budget".equals(refused) ? Outcome.REFUSED : Outcome.RATE_LIMITED;
    }
    return Outcome.ERROR;
  }

  private static boolean isHit(@Nullable String cacheStatus) {
    return cacheStatus != null && cacheStatus.toLowerCase(Locale.ROOT).contains("hit");
  }
}
