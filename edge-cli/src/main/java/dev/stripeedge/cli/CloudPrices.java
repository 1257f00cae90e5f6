package dev.stripeedge.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The prices {@code stripe-edge advise} works with: one dated table (AWS's public on-demand prices
 * in us-east-1, USD), which a user overrides key by key from a properties file ({@code --prices}):
 * prices change and differ by region, and nobody should have to edit code for that.
 *
 * <pre>
 * asOf=2025-06 us-east-1
 * lambda.x86_64.gbSecond=0.0000166667         # duration, per GB-second
 * lambda.x86_64.provisionedGbSecond=0.0000041667   # provisioned concurrency, per GB-second kept
 * lambda.x86_64.provisionedDurationGbSecond=0.0000097222
 * lambda.arm64.…                               # the same three for Graviton
 * lambda.request=0.0000002                     # per invocation
 * dynamodb.readUnit=0.000000125                # on demand, per read request unit
 * dynamodb.writeUnit=0.000000625               # per write request unit
 * elasticache.cache.t4g.micro=0.5,0.016        # node: GiB of memory, USD per hour
 * </pre>
 *
 * @param lambda per architecture ({@code x86_64}, {@code arm64})
 * @param nodes ElastiCache node types, smallest memory first
 */
record CloudPrices(
    String asOf,
    Map<String, Lambda> lambda,
    double lambdaRequest,
    double dynamoReadUnit,
    double dynamoWriteUnit,
    List<Node> nodes) {

  /** Lambda's prices for one architecture, per GB-second. */
  record Lambda(double gbSecond, double provisionedGbSecond, double provisionedDurationGbSecond) {}

  /** One ElastiCache node type. */
  record Node(String type, double gib, double perHour) {}

  static final CloudPrices DEFAULTS = fromProperties(defaultTable());

  private static Properties defaultTable() {
    Properties table = new Properties();
    table.setProperty("asOf", "2025-06 us-east-1 on-demand (check aws.amazon.com/pricing)");
    table.setProperty("lambda.x86_64.gbSecond", "0.0000166667");
    table.setProperty("lambda.x86_64.provisionedGbSecond", "0.0000041667");
    table.setProperty("lambda.x86_64.provisionedDurationGbSecond", "0.0000097222");
    table.setProperty("lambda.arm64.gbSecond", "0.0000133334");
    table.setProperty("lambda.arm64.provisionedGbSecond", "0.0000033334");
    table.setProperty("lambda.arm64.provisionedDurationGbSecond", "0.0000077778");
    table.setProperty("lambda.request", "0.0000002");
    table.setProperty("dynamodb.readUnit", "0.000000125");
    table.setProperty("dynamodb.writeUnit", "0.000000625");
    table.setProperty("elasticache.cache.t4g.micro", "0.5,0.016");
    table.setProperty("elasticache.cache.t4g.small", "1.37,0.032");
    table.setProperty("elasticache.cache.t4g.medium", "3.09,0.065");
    table.setProperty("elasticache.cache.m7g.large", "6.38,0.158");
    table.setProperty("elasticache.cache.r7g.large", "13.07,0.219");
    table.setProperty("elasticache.cache.r7g.xlarge", "26.32,0.437");
    table.setProperty("elasticache.cache.r7g.2xlarge", "52.82,0.873");
    return table;
  }

  /**
   * The default table with {@code file}'s keys over it.
   *
   * @throws IllegalArgumentException a key that is not a price, or a value that is not a number
   */
  static CloudPrices overriddenBy(Path file) throws IOException {
    Properties table = defaultTable();
    Properties given = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      given.load(reader);
    }
    for (String key : given.stringPropertyNames()) {
      if (!table.containsKey(key) && !key.startsWith("elasticache.")) {
        throw new IllegalArgumentException(
            file + ": " + key + " is not a price (see stripe-edge advise --help)");
      }
      table.setProperty(key, given.getProperty(key).strip());
    }
    return fromProperties(table);
  }

  private static CloudPrices fromProperties(Properties table) {
    Map<String, Lambda> lambda = new LinkedHashMap<>();
    for (String arch : List.of("x86_64", "arm64")) {
      lambda.put(
          arch,
          new Lambda(
              number(table, "lambda." + arch + ".gbSecond"),
              number(table, "lambda." + arch + ".provisionedGbSecond"),
              number(table, "lambda." + arch + ".provisionedDurationGbSecond")));
    }
    List<Node> nodes = new ArrayList<>();
    for (String key : table.stringPropertyNames()) {
      if (key.startsWith("elasticache.")) {
        String[] parts = table.getProperty(key).split(",");
        if (parts.length != 2) {
          throw new IllegalArgumentException(key + " must be \"GiB,USD per hour\"");
        }
        nodes.add(
            new Node(
                key.substring("elasticache.".length()),
                parse(key, parts[0]),
                parse(key, parts[1])));
      }
    }
    nodes.sort(Comparator.comparingDouble(Node::gib));
    return new CloudPrices(
        table.getProperty("asOf", "?"),
        lambda,
        number(table, "lambda.request"),
        number(table, "dynamodb.readUnit"),
        number(table, "dynamodb.writeUnit"),
        nodes);
  }

  private static double number(Properties table, String key) {
    return parse(key, table.getProperty(key, ""));
  }

  private static double parse(String key, String value) {
    try {
      double parsed = Double.parseDouble(value.strip());
      if (!(parsed >= 0) || Double.isInfinite(parsed)) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a non-negative number: " + value, e);
    }
  }
}
