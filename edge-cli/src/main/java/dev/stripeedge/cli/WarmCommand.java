package dev.stripeedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.Scheduler;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stripe-edge warm}: pages through Stripe lists via a running edge, which stores every
 * listed object as its own retrieve ({@code Stripe-Edge-Warm: objects}), at background priority.
 *
 * <p>Resumable: after each page the position is saved to a state file; a rerun continues where the
 * last one stopped and skips resources it finished (unless {@code --restart}).
 */
@Command(
    name = "warm",
    mixinStandardHelpOptions = true,
    description = {
      "Fills a running edge's cache, so first reads are hits.",
      "Lists every object of the given resources through the edge, at background priority.",
      "Resumable: a rerun with the same key and edge continues where the last stopped.",
      "The API key is read from the environment (STRIPE_API_KEY unless --api-key-env) or a file."
    })
final class WarmCommand implements Callable<Integer> {

  private static final Pattern RESOURCE = Pattern.compile("[a-z_]+(/[a-z_]+)?");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 100;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--resource",
      split = ",",
      required = true,
      description = "Resources to list, e.g. customers,prices,products.")
  List<String> resources = List.of();

  @Option(
      names = "--edge",
      description = "The running edge's base URL (default: ${DEFAULT-VALUE}).")
  String edge = "http://127.0.0.1:8080";

  @Option(
      names = "--api-key-env",
      description = "Environment variable holding the API key (default: ${DEFAULT-VALUE}).")
  String apiKeyEnv = "STRIPE_API_KEY";

  @Option(
      names = "--api-key-file",
      description = "File holding the API key (a mounted secret); wins over --api-key-env.")
  @Nullable Path apiKeyFile;

  @Option(
      names = "--state",
      description = "Where progress is kept between runs (default: ${DEFAULT-VALUE}).")
  Path state = Path.of(".stripe-edge-warm.json");

  @Option(names = "--restart", description = "Ignore saved progress and start over.")
  boolean restart;

  @Option(
      names = "--max-pages",
      description = "Stop after this many pages in this run (resume later); 0 for no limit.")
  int maxPages;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Override
  public Integer call() throws Exception {
    for (String resource : resources) {
      if (!RESOURCE.matcher(resource).matches()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "not a Stripe resource: '" + resource + "' (e.g. customers)");
      }
    }
    String apiKey =
        apiKeyFile != null ? Files.readString(apiKeyFile).strip() : System.getenv(apiKeyEnv);
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException(
          "set "
              + (apiKeyFile != null ? apiKeyFile : apiKeyEnv)
              + " to the account's secret or restricted key (read access)");
    }
    PrintWriter err = spec.commandLine().getErr();
    ObjectNode file = !Files.exists(state) ? JSON.createObjectNode() : load(state);
    // Progress belongs to one edge and one key: another key sees other objects, another edge has
    // another cache. The key is kept as a hash only.
    String scope = scope(edge, apiKey);
    ObjectNode progress = restart ? file.putObject(scope) : file.withObjectProperty(scope);
    int pages = 0;
    for (String resource : resources) {
      ObjectNode saved = progress.withObjectProperty(resource);
      if (saved.path("done").asBoolean(false)) {
        err.println(resource + ": done in an earlier run (--restart to warm again)");
        continue;
      }
      long objects = saved.path("objects").asLong(0);
      long startedNanos = System.nanoTime();
      long thisRun = 0;
      boolean more = true;
      while (more) {
        if (maxPages > 0 && pages >= maxPages) {
          err.printf(
              Locale.ROOT, "%n%s: stopped after %d pages; rerun to continue%n", resource, pages);
          err.flush();
          return 0;
        }
        String after = saved.path("startingAfter").asText("");
        JsonNode page = fetch(resource, after, apiKey);
        JsonNode data = page.path("data");
        pages++;
        objects += data.size();
        thisRun += data.size();
        more = page.path("has_more").asBoolean(false) && data.size() > 0;
        if (data.size() > 0) {
          saved.put("startingAfter", data.get(data.size() - 1).path("id").asText());
        }
        saved.put("objects", objects);
        saved.put("done", !more);
        save(file);
        double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
        if (terminal) {
          err.printf(
              Locale.ROOT,
              "\r%s: %s %,d objects (%.0f/s)",
              resource,
              bar(pages),
              objects,
              thisRun / seconds);
        } else if (pages % 10 == 1) {
          // A log file gets plain lines, one every ten pages, not carriage returns.
          err.printf(
              Locale.ROOT,
              "%s: %,d objects so far (%.0f/s)%n",
              resource,
              objects,
              thisRun / seconds);
        }
        err.flush();
      }
      err.printf(Locale.ROOT, "%n%s: done, %,d objects%n", resource, objects);
      err.flush();
    }
    return 0;
  }

  /** Whether stderr is a terminal: then progress redraws one line with carriage returns. */
  boolean terminal = System.console() != null;

  /** The progress file's section for {@code edgeUrl} and the key: {@code URL key:sha256-prefix}. */
  static String scope(String edgeUrl, String apiKey) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
      return edgeUrl.replaceAll("/+$", "") + " key:" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stripe lists carry no total, so the bar shows activity: it fills and starts over. */
  private static String bar(int pages) {
    int width = 20;
    int filled = pages % (width + 1);
    return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "]";
  }

  /** One page, waiting out the edge's early refusals (background work yields to checkout). */
  private JsonNode fetch(String resource, String startingAfter, String apiKey) throws Exception {
    String query =
        "limit="
            + PAGE
            + (startingAfter.isEmpty()
                ? ""
                : "&starting_after=" + URLEncoder.encode(startingAfter, StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(edge + "/v1/" + resource + "?" + query))
            .header("Authorization", "Bearer " + apiKey)
            .header("Priority", "u=6")
            .header(EdgeHeaders.WARM, "objects")
            .timeout(Duration.ofSeconds(90))
            .GET()
            .build();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new IllegalStateException("cannot reach the edge at " + edge + ": " + e.getMessage());
      }
      if (response.statusCode() == 200) {
        String cacheStatus = response.headers().firstValue("Cache-Status").orElse("");
        if (!cacheStatus.contains("stripe-edge")) {
          // Stripe or the simulator answers lists too, and warming them would fill no cache.
          throw new IllegalStateException(
              edge
                  + " is not a stripe-edge (its answer has no Cache-Status: stripe-edge): point"
                  + " --edge at the edge's proxy listener; nothing was warmed");
        }
        return JSON.readTree(response.body());
      }
      if (response.statusCode() == 429 && attempt < 20) {
        long wait = response.headers().firstValueAsLong("Retry-After").orElse(1);
        // The edge's budget asked us to wait: real time, this is the command's own thread.
        Scheduler.system().after(Duration.ofSeconds(Math.max(1, wait))).get();
        continue;
      }
      throw new IllegalStateException(
          "GET /v1/" + resource + " answered " + response.statusCode() + ": " + message(response));
    }
  }

  private static String message(HttpResponse<String> response) {
    try {
      String text = JSON.readTree(response.body()).path("error").path("message").asText("");
      return text.isEmpty() ? "(no message)" : text;
    } catch (IOException e) {
      return "(not JSON)";
    }
  }

  private static ObjectNode load(Path file) throws IOException {
    JsonNode node = JSON.readTree(file.toFile());
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException(
          file + " is not a warm state file; remove it or --restart");
    }
    return object;
  }

  /** Written aside and moved into place, so an interrupted run never leaves half a file. */
  private void save(ObjectNode progress) throws IOException {
    Path absolute = state.toAbsolutePath();
    Path temp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
    Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(progress));
    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
