package dev.stripeedge.bench.consistency;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@link ConsistencyCheck}'s reference: each path read through the edge, then straight from the
 * upstream, compared as JSON; a difference is a stale read, kept with the writes that led to it
 * (the first few). Also sends the check's writes. Not thread-safe.
 */
final class ReadComparison {

  private static final int MAX_FAILURES = 5;

  private final String edgeBase;
  private final String upstreamBase;
  private final String apiKey;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<String> failures = new ArrayList<>();
  private int compared;
  private int hits;
  private int stale;

  ReadComparison(String edgeBase, String upstreamBase, String apiKey) {
    this.edgeBase = edgeBase;
    this.upstreamBase = upstreamBase;
    this.apiKey = apiKey;
  }

  /** What the comparisons found, with the check's write counts. */
  ConsistencyCheck.Report report(int writes, int applied) {
    return new ConsistencyCheck.Report(
        writes, applied, compared, hits, stale, List.copyOf(failures));
  }

  /** Reads everything touched so far through the edge and from the upstream, and compares. */
  void compare(Set<String> reads, int writes, List<String> sequence)
      throws IOException, InterruptedException {
    for (String path : reads) {
      // Through the edge first: a stale entry there is what the check is after. The upstream
      // cannot change between the two reads (nothing else writes).
      HttpResponse<String> edge = send(edgeBase, "GET", path, "");
      HttpResponse<String> upstream = send(upstreamBase, "GET", path, "");
      compared++;
      if (edge.headers().firstValue("cache-status").orElse("").contains("hit")) {
        hits++;
      }
      if (edge.statusCode() != upstream.statusCode() || !sameJson(edge.body(), upstream.body())) {
        stale++;
        if (failures.size() < MAX_FAILURES) {
          failures.add(
              String.format(
                  Locale.ROOT,
                  "stale read of %s after write %d (Cache-Status: %s)%n  edge %d: %s%n"
                      + "  upstream %d: %s%n  the last writes (the seed replays them all): %s",
                  path,
                  writes,
                  edge.headers().firstValue("cache-status").orElse("-"),
                  edge.statusCode(),
                  abbreviate(edge.body()),
                  upstream.statusCode(),
                  abbreviate(upstream.body()),
                  String.join(
                      " ; ",
                      sequence.subList(Math.max(0, sequence.size() - 12), sequence.size()))));
        }
      }
    }
  }

  /** Equal as JSON; an error's {@code request_log_url} names its own request, so it may differ. */
  private static boolean sameJson(String a, String b) {
    try {
      JsonElement left = JsonParser.parseString(a);
      JsonElement right = JsonParser.parseString(b);
      for (JsonElement body : List.of(left, right)) {
        if (body.isJsonObject() && body.getAsJsonObject().get("error") instanceof JsonObject e) {
          e.remove("request_log_url");
        }
      }
      return left.equals(right);
    } catch (JsonSyntaxException e) {
      return a.equals(b);
    }
  }

  HttpResponse<String> send(String base, String method, String path, String form)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + apiKey);
    if (method.equals("GET")) {
      request.GET();
    } else {
      request
          .header("Content-Type", "application/x-www-form-urlencoded")
          .method(method, HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String abbreviate(String body) {
    String flat = body.replaceAll("\\s+", " ");
    return flat.length() <= 600 ? flat : flat.substring(0, 600) + "…";
  }
}
