package dev.stripeedge.store.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where and how the DynamoDB tier stores entries. Built by {@link #builder(String)}; every value is
 * checked when the record is made, and a bad one is named in the exception.
 *
 * @param table the table's name; one table holds entries, their id index and invalidation markers
 * @param region the AWS region, such as {@code us-east-1}
 * @param endpoint a different endpoint (DynamoDB Local, a VPC endpoint), or null for the region's
 * @param apiCallTimeout the longest a tier call may take, retries included; the call then completes
 *     exceptionally
 * @param apiCallAttemptTimeout the longest one HTTP attempt may take
 * @param connectTimeout the longest opening a connection may take
 * @param maxAttempts attempts per call, the first included (the SDK retries throttling and 5xx)
 * @param createTable whether {@link DynamoDbTier#open} creates the table (on-demand capacity, TTL
 *     enabled) when it is missing; off, the tier makes no call at open and needs no table rights
 * @param maxValueBytes the largest value stored; a put of a larger one is refused (returns false,
 *     counted), never sent. At most {@value #MAX_VALUE_BYTES}: DynamoDB's items hold 400 KB
 * @param markerTtl how long an invalidation keeps refusing puts of fetches that started before it;
 *     longer than any upstream fetch may take
 * @param clockTolerance how far edge instances' clocks may disagree: an invalidation also refuses
 *     puts whose fetch started up to this much after it
 * @param consistentReads whether reads are strongly consistent: an eventually consistent read costs
 *     half but may return an entry for about a second after its invalidation
 */
public record DynamoDbTierConfig(
    String table,
    String region,
    @Nullable URI endpoint,
    Duration apiCallTimeout,
    Duration apiCallAttemptTimeout,
    Duration connectTimeout,
    int maxAttempts,
    boolean createTable,
    int maxValueBytes,
    Duration markerTtl,
    Duration clockTolerance,
    boolean consistentReads) {

  /** The largest {@link #maxValueBytes}: 400 KB less room for the key, ids and numbers. */
  public static final int MAX_VALUE_BYTES = 390_000;

  private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");

  public DynamoDbTierConfig {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(region, "region");
    if (!TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "table must be 3 to 255 letters, digits, '_', '-' or '.': " + table);
    }
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("region must look like us-east-1: " + region);
    }
    if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
      throw new IllegalArgumentException("endpoint must be an absolute URL: " + endpoint);
    }
    positive("apiCallTimeout", apiCallTimeout);
    positive("apiCallAttemptTimeout", apiCallAttemptTimeout);
    positive("connectTimeout", connectTimeout);
    if (apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
      throw new IllegalArgumentException(
          "apiCallAttemptTimeout "
              + apiCallAttemptTimeout
              + " is longer than apiCallTimeout "
              + apiCallTimeout);
    }
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("maxAttempts must be 1 to 10: " + maxAttempts);
    }
    if (maxValueBytes < 1 || maxValueBytes > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "maxValueBytes must be 1 to " + MAX_VALUE_BYTES + ": " + maxValueBytes);
    }
    positive("markerTtl", markerTtl);
    Objects.requireNonNull(clockTolerance, "clockTolerance");
    if (clockTolerance.isNegative()) {
      throw new IllegalArgumentException("clockTolerance must not be negative: " + clockTolerance);
    }
    if (clockTolerance.compareTo(markerTtl) >= 0) {
      throw new IllegalArgumentException(
          "clockTolerance " + clockTolerance + " must be shorter than markerTtl " + markerTtl);
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  /**
   * A builder with the defaults: region {@code us-east-1}, no endpoint override, calls of at most 1
   * s (attempts 500 ms, connects 500 ms, 2 attempts), no table creation, values up to 380,000
   * bytes, markers for 1 h, clocks within 1 s, consistent reads.
   */
  public static Builder builder(String table) {
    return new Builder(table);
  }

  /** Collects a {@link DynamoDbTierConfig}; {@link #build()} checks it. Not thread-safe. */
  public static final class Builder {
    private final String table;
    private String region = "us-east-1";
    private @Nullable URI endpoint;
    private Duration apiCallTimeout = Duration.ofSeconds(1);
    private Duration apiCallAttemptTimeout = Duration.ofMillis(500);
    private Duration connectTimeout = Duration.ofMillis(500);
    private int maxAttempts = 2;
    private boolean createTable;
    private int maxValueBytes = 380_000;
    private Duration markerTtl = Duration.ofHours(1);
    private Duration clockTolerance = Duration.ofSeconds(1);
    private boolean consistentReads = true;

    private Builder(String table) {
      this.table = table;
    }

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder endpoint(@Nullable URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** The whole call's limit and one attempt's; the attempt's may not exceed the call's. */
    public Builder timeouts(Duration apiCall, Duration apiCallAttempt) {
      this.apiCallTimeout = apiCall;
      this.apiCallAttemptTimeout = apiCallAttempt;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder createTable(boolean createTable) {
      this.createTable = createTable;
      return this;
    }

    public Builder maxValueBytes(int maxValueBytes) {
      this.maxValueBytes = maxValueBytes;
      return this;
    }

    public Builder markerTtl(Duration markerTtl) {
      this.markerTtl = markerTtl;
      return this;
    }

    public Builder clockTolerance(Duration clockTolerance) {
      this.clockTolerance = clockTolerance;
      return this;
    }

    public Builder consistentReads(boolean consistentReads) {
      this.consistentReads = consistentReads;
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public DynamoDbTierConfig build() {
      return new DynamoDbTierConfig(
          table,
          region,
          endpoint,
          apiCallTimeout,
          apiCallAttemptTimeout,
          connectTimeout,
          maxAttempts,
          createTable,
          maxValueBytes,
          markerTtl,
          clockTolerance,
          consistentReads);
    }
  }
}
