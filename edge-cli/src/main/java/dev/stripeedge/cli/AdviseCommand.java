package dev.stripeedge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stripe-edge advise}: what running a Stripe integration in Lambda costs with and without
 * the edge's cache, from the edge's {@code /metrics} or a traffic profile ({@link LambdaAdvice}).
 */
@Command(
    name = "advise",
    mixinStandardHelpOptions = true,
    description = {
      "Lambda cost advice from the edge's measured traffic or a traffic profile.",
      "GB-seconds and USD per million invocations with and without the cache (time waiting on",
      "Stripe is billed), the memory size that costs least, whether provisioned concurrency pays",
      "off, the ElastiCache node for a 95% hit ratio and the DynamoDB tier's on-demand cost.",
      "Prices: a dated table (us-east-1), overridable with --prices."
    })
final class AdviseCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--metrics",
      description = "The edge's /metrics: a URL (http://127.0.0.1:8081/metrics) or a saved file.")
  @Nullable String metrics;

  @Option(
      names = "--profile",
      description =
          "A traffic profile (JSON) instead: routes with route, requests_per_second, hit_ratio,"
              + " upstream_ms (and hit_ms); working_set_bytes_95. See docs/lambda.md.")
  @Nullable Path profile;

  @Option(
      names = "--window",
      description = "Seconds the /metrics capture covers (default: the edge's uptime in it).")
  @Nullable Double window;

  @Option(
      names = "--memory-mb",
      defaultValue = "1024",
      description = "The function's memory size (default: ${DEFAULT-VALUE}).")
  int memoryMb = 1024;

  @Option(
      names = "--arch",
      defaultValue = "x86_64",
      description = "x86_64 or arm64 (default: ${DEFAULT-VALUE}).")
  String arch = "x86_64";

  @Option(
      names = "--cpu-ms",
      defaultValue = "5",
      description = "The function's own CPU time per invocation on a full vCPU (default: 5).")
  double cpuMs = 5;

  @Option(
      names = "--calls-per-invocation",
      defaultValue = "1",
      description = "Stripe calls one invocation makes (default: ${DEFAULT-VALUE}).")
  double calls = 1;

  @Option(
      names = "--item-bytes",
      defaultValue = "2048",
      description = "A cached object's size in DynamoDB (default: ${DEFAULT-VALUE}).")
  int itemBytes = 2048;

  @Option(
      names = "--prices",
      description = "A properties file overriding the price table (keys: see docs/lambda.md).")
  @Nullable Path prices;

  @Override
  public Integer call() throws IOException, InterruptedException {
    LambdaAdvice advice;
    try {
      advice = advice();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 1;
    }
    print(advice, spec.commandLine().getOut());
    return 0;
  }

  private LambdaAdvice advice() throws IOException, InterruptedException {
    if ((metrics == null) == (profile == null)) {
      throw new IllegalArgumentException("give one of --metrics (URL or file) or --profile");
    }
    if (memoryMb < 128 || memoryMb > 10_240 || cpuMs < 0 || calls <= 0 || itemBytes < 1) {
      throw new IllegalArgumentException(
          "--memory-mb is 128 to 10240, --cpu-ms at least 0, --calls-per-invocation and"
              + " --item-bytes positive");
    }
    if (window != null && !(window > 0)) {
      throw new IllegalArgumentException("--window must be a positive number of seconds");
    }
    Traffic traffic;
    Path profileFile = profile;
    String from = metrics;
    if (profileFile != null) {
      traffic =
          Traffic.fromProfile(
              Files.readString(profileFile, StandardCharsets.UTF_8), "profile " + profileFile);
    } else if (from != null) {
      traffic = Traffic.fromMetrics(PrometheusText.parse(read(from)), window, from);
    } else {
      throw new IllegalArgumentException("give one of --metrics (URL or file) or --profile");
    }
    Path priceFile = prices;
    CloudPrices table =
        priceFile == null ? CloudPrices.DEFAULTS : CloudPrices.overriddenBy(priceFile);
    LambdaAdvice advice = new LambdaAdvice(traffic, table, memoryMb, arch, cpuMs, calls, itemBytes);
    advice.lambda();
    return advice;
  }

  private static String read(String where) throws IOException, InterruptedException {
    if (where.startsWith("http://") || where.startsWith("https://")) {
      HttpResponse<String> answer =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(where)).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalArgumentException(
            where + " answered HTTP " + answer.statusCode() + ": is it the admin listener?");
      }
      return answer.body();
    }
    Path file = Path.of(where);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such file: " + where);
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static void print(LambdaAdvice a, PrintWriter out) {
    Traffic t = a.traffic();
    out.printf(Locale.ROOT, "From %s; prices %s.%n%n", t.source(), a.prices().asOf());
    out.printf(
        Locale.ROOT,
        "%-40s %9s %6s %10s %12s%n",
        "Stripe calls by route",
        "calls/s",
        "hit",
        "answer ms",
        "Stripe ms");
    for (Traffic.Route r : t.routes()) {
      out.printf(
          Locale.ROOT,
          "%-40s %9.2f %5.1f%% %10.2f %12.1f%n",
          r.route(),
          r.perSecond(),
          r.hitRatio() * 100,
          r.answerMillis(),
          r.upstreamMillis());
    }
    out.printf(
        Locale.ROOT,
        "%-40s %9.2f %5.1f%% %10.2f %12.1f%n%n",
        "all",
        t.perSecond(),
        t.perCall(Traffic.Route::hitRatio) * 100,
        t.perCall(Traffic.Route::answerMillis),
        t.perCall(Traffic.Route::upstreamMillis));

    int mb = a.memoryMb();
    out.printf(
        Locale.ROOT,
        "Lambda at %d MB %s (%.1f ms own CPU, %s Stripe call(s) per invocation):%n",
        mb,
        a.architecture(),
        a.cpuMillis(),
        trim(a.callsPerInvocation()));
    out.printf(Locale.ROOT, "  %-20s %14s %16s %16s%n", "", "billed ms", "GB-s", "USD / 1M inv.");
    for (boolean cached : new boolean[] {false, true}) {
      out.printf(
          Locale.ROOT,
          "  %-20s %14.0f %16.6f %16.2f%n",
          cached ? "with the cache" : "without the cache",
          a.billedMillis(mb, cached),
          a.gbSeconds(mb, cached),
          a.perMillion(mb, cached));
    }
    double without = a.perMillion(mb, false);
    double with = a.perMillion(mb, true);
    out.printf(
        Locale.ROOT,
        "  the cache saves %.1f%% (USD %.2f per million invocations)%n%n",
        without == 0 ? 0 : (without - with) / without * 100,
        without - with);

    int cheapest = a.cheapestMemoryMb();
    out.printf(
        Locale.ROOT,
        "Cheapest memory size: %d MB, USD %.2f per million (%.0f ms billed; at %d MB: %.0f ms)."
            + " Not below %d MB: the JVM and the edge, plus twice the memory tier's working set.%n",
        cheapest,
        a.perMillion(cheapest, true),
        a.billedMillis(cheapest, true),
        mb,
        a.billedMillis(mb, true),
        a.floorMb());

    double concurrency = a.concurrency();
    double onDemand = a.monthlyOnDemand();
    double provisioned = a.monthlyProvisioned();
    out.printf(
        Locale.ROOT,
        "Provisioned concurrency: %.2f invocations/s keep %.2f environments busy; %d provisioned"
            + " would be %.0f%% used (it pays off above %.0f%%): USD %.2f/month against %.2f on"
            + " demand: %s.%n",
        a.invocationsPerSecond(),
        concurrency,
        a.provisioned(),
        concurrency / a.provisioned() * 100,
        a.breakEvenUtilisation() * 100,
        provisioned,
        onDemand,
        provisioned < onDemand
            ? "it pays off"
            : "not worth it for cost (only to avoid cold starts)");

    Double bytes = t.workingSetBytes95();
    CloudPrices.Node node = a.elastiCacheNode();
    if (bytes == null) {
      out.println(
          "ElastiCache: no working set for a 95% hit ratio in the data (the sizing report has"
              + " not reached 95% yet, or the profile gives no working_set_bytes_95).");
    } else if (node == null) {
      out.printf(
          Locale.ROOT,
          "ElastiCache: the working set for 95%% (%.1f MB) outgrows every node in the table:"
              + " shard it (cluster mode).%n",
          bytes / 1e6);
    } else {
      out.printf(
          Locale.ROOT,
          "ElastiCache for a 95%% hit ratio: working set %.1f MB (sizing report) x%.1f for Redis's"
              + " overhead fits %s (%.2f GiB, %.0f%% usable): USD %.2f/month per node.%n",
          bytes / 1e6,
          LambdaAdvice.REDIS_OVERHEAD,
          node.type(),
          node.gib(),
          LambdaAdvice.ELASTICACHE_USABLE * 100,
          node.perHour() * LambdaAdvice.SECONDS_PER_MONTH / 3600);
    }
    out.printf(
        Locale.ROOT,
        "DynamoDB tier, on demand: %.2f reads/s and %.2f writes/s of %d-byte items:"
            + " USD %.2f/month.%n",
        a.dynamoReadsPerSecond(),
        a.dynamoWritesPerSecond(),
        a.itemBytes(),
        a.monthlyDynamoDb());
    out.flush();
  }

  private static String trim(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.2f", value);
  }
}
