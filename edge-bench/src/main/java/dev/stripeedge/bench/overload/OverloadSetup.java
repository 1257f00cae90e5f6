package dev.stripeedge.bench.overload;

import static dev.stripeedge.bench.overload.OverloadScenario.KEY;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The overload benchmark's preparation: customers, a product and a price seeded in the simulator,
 * its own latency for PaymentIntent creates (the baseline), and the warming an operator does before
 * a peak.
 */
final class OverloadSetup {

  private OverloadSetup() {}

  /** Pages every customer through {@code pipeline} as stripe-edge warm does; returns how many. */
  static int warm(EdgePipeline pipeline) {
    int stored = 0;
    String after = null;
    while (true) {
      EdgeRequest page =
          new EdgeRequest(
              "GET",
              "/v1/customers",
              "limit=100" + (after == null ? "" : "&starting_after=" + after),
              Map.of(
                  "authorization",
                  List.of("Bearer " + KEY),
                  "priority",
                  List.of("u=6"),
                  EdgeHeaders.WARM,
                  List.of("objects")),
              new byte[0]);
      EdgeResponse response = pipeline.handle(page).join();
      if (response.status() != 200) {
        throw new IllegalStateException("warming failed: " + response.bodyText());
      }
      JsonObject body = JsonParser.parseString(response.bodyText()).getAsJsonObject();
      JsonArray data = body.getAsJsonArray("data");
      stored += Integer.parseInt(String.valueOf(response.header(EdgeHeaders.WARMED)));
      if (!body.get("has_more").getAsBoolean() || data.isEmpty()) {
        return stored;
      }
      after = data.get(data.size() - 1).getAsJsonObject().get("id").getAsString();
    }
  }

  /** Seeds customers, a product and a price with limits and latency off; returns customer ids. */
  static List<String> setUp(StripeSim sim, SimConfig config)
      throws IOException, InterruptedException {
    sim.reconfigure(c -> c.withLimits(SimConfig.Limits.off()).withLatency(SimConfig.Latency.off()));
    HttpClient http = HttpClient.newHttpClient();
    call(http, sim, "POST", "/_sim/seed", "{\"resource\":\"customers\",\"count\":10000}", true);
    JsonObject product = call(http, sim, "POST", "/v1/products", "name=Widget", false);
    call(
        http,
        sim,
        "POST",
        "/v1/prices",
        "product=" + product.get("id").getAsString() + "&unit_amount=1000&currency=usd",
        false);
    List<String> ids = new ArrayList<>();
    String after = null;
    while (true) {
      String query = "/v1/customers?limit=100" + (after == null ? "" : "&starting_after=" + after);
      JsonObject page = call(http, sim, "GET", query, null, false);
      JsonArray data = page.getAsJsonArray("data");
      for (JsonElement customer : data) {
        ids.add(customer.getAsJsonObject().get("id").getAsString());
      }
      if (!page.get("has_more").getAsBoolean() || data.isEmpty()) {
        break;
      }
      after = ids.getLast();
    }
    sim.reconfigure(c -> c.withLimits(config.limits()).withLatency(config.latency()));
    return ids;
  }

  private static JsonObject call(
      HttpClient http,
      StripeSim sim,
      String method,
      String path,
      @Nullable String body,
      boolean json)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
            .header("Authorization", "Bearer " + KEY);
    if (body != null) {
      request
          .header("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(method + " " + path + ": " + response.body());
    }
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  /** Direct PaymentIntent creates at 5/s, open loop: the simulator's own latency for them. */
  static List<Long> baseline(StripeSim sim, int calls) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(calls);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long at = start + i * 200_000_000L;
      OverloadScenario.sleepUntil(at);
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/payment_intents"))
              .header("Authorization", "Bearer " + KEY)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(LoadMix.PAYMENT_INTENT_BODY))
              .build();
      http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, error) -> {
                if (error == null && response.statusCode() == 200) {
                  latencies.add(System.nanoTime() - at);
                }
                done.countDown();
              });
    }
    done.await(60, TimeUnit.SECONDS);
    return new ArrayList<>(latencies);
  }
}
