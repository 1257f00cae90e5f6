package dev.stripeedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stripe-edge report …}: reports read from a running edge's admin listener. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Reports read from a running edge's admin listener.",
    subcommands = {ReportCommand.Latency.class})
final class ReportCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: latency");
  }

  /** {@code stripe-edge report latency}: {@code GET /admin/latency} as a table. */
  @Command(
      name = "latency",
      mixinStandardHelpOptions = true,
      description = {
        "Per route: answers, p50 and p99, whether p99 is within --budget, and the share of time",
        "in each stage (memory, tiers, waiting for budget, upstream, the rest), since the edge",
        "started."
      })
  static final class Latency implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--admin",
        defaultValue = "http://127.0.0.1:8081",
        description = "The edge's admin listener (default: ${DEFAULT-VALUE}).")
    String admin = "http://127.0.0.1:8081";

    @Option(
        names = "--budget",
        description = "The p99 each route should stay within, such as 250ms or 2s.")
    @Nullable String budget;

    @Override
    public Integer call() throws IOException, InterruptedException {
      URI base = URI.create(admin.endsWith("/") ? admin : admin + "/");
      if (base.getScheme() == null || !base.getScheme().startsWith("http")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--admin needs an http(s) URL, such as http://127.0.0.1:8081");
      }
      String query =
          budget == null ? "" : "?budget=" + URLEncoder.encode(budget, StandardCharsets.UTF_8);
      HttpResponse<String> answer =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .build()
              .send(
                  HttpRequest.newBuilder(base.resolve("admin/latency" + query))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonNode json = parse(answer.body());
      if (answer.statusCode() != 200 || json == null || !json.path("routes").isArray()) {
        String message = json == null ? "" : json.path("error").path("message").asText("");
        // A 400 is the edge refusing the budget; anything else is not an edge's admin listener.
        spec.commandLine()
            .getErr()
            .println(
                answer.statusCode() == 400 && !message.isEmpty()
                    ? message
                    : "no latency report at "
                        + admin
                        + " (HTTP "
                        + answer.statusCode()
                        + "): is it a stripe-edge admin listener (listeners.admin.port)?");
        return 1;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "%-36s %8s %8s %8s %7s   %6s %6s %6s %8s %6s%n",
          "route",
          "answers",
          "p50≤ms",
          "p99≤ms",
          "budget",
          "cache",
          "tier",
          "queue",
          "upstream",
          "other");
      for (JsonNode route : json.path("routes")) {
        JsonNode stages = route.path("stages");
        double p99 = route.path("p99_ms").asDouble();
        JsonNode within = route.path("within_budget");
        out.printf(
            Locale.ROOT,
            "%-36s %8d %8s %8s %7s   %5.1f%% %5.1f%% %5.1f%% %7.1f%% %5.1f%%%n",
            route.path("route").asText(),
            route.path("count").asLong(),
            bound(route.path("p50_ms").asDouble()),
            bound(p99),
            within.isBoolean() ? (within.asBoolean() ? "ok" : "OVER") : "-",
            stages.path("cache").asDouble() * 100,
            stages.path("tier").asDouble() * 100,
            stages.path("queue").asDouble() * 100,
            stages.path("upstream").asDouble() * 100,
            stages.path("other").asDouble() * 100);
      }
      out.flush();
      return 0;
    }

    /** A bucket bound in ms; -1 means beyond the last bucket. */
    private static String bound(double millis) {
      return millis < 0 ? ">10000" : String.format(Locale.ROOT, "%.0f", millis);
    }

    private static @Nullable JsonNode parse(String body) {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return null;
      }
    }
  }
}
