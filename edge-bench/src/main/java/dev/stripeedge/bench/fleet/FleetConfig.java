package dev.stripeedge.bench.fleet;

import dev.stripeedge.bench.fleet.FleetEdges.Edge;
import dev.stripeedge.bench.fleet.FleetScenario.Options;
import dev.stripeedge.sim.StripeSim;
import java.nio.file.Path;
import java.util.Locale;

/** One fleet edge's YAML (docs/edge-config.example.yaml): what differs from the defaults. */
final class FleetConfig {

  private FleetConfig() {}

  /**
   * The event store on {@code store} (redis or dynamodb) and both shared tiers on (Redis first,
   * then DynamoDB; SQLite's per-machine tier off, so what an edge reads below memory is shared);
   * {@code retention} for both tiers ({@code 0s}: as memory, the baseline).
   */
  static String yaml(
      Options options,
      Edge edge,
      Path dir,
      String prefix,
      String retention,
      String store,
      String secret,
      FleetHooks hooks,
      StripeSim sim,
      String redisUri,
      String dynamoEndpoint,
      String apiKey) {
    return String.format(
        Locale.ROOT,
        """
        host: 127.0.0.1
        upstream: %s
        cache:
          ttls:
            customers: %ds
          retention:
            tiers:
              redis: %s
              dynamodb: %s
        webhooks:
          secrets: ["%s"]
          forwarding:
            targets:
              "%s": "whsec_fleet_app"
        reconcile:
          period: %ds
          apiKey: "%s"
          driftSample: 0
        store:
          backend: %s
          path: %s
          redis:
            uris: ["%s"]
            keyPrefix: "%sevents:"
            timeout: 2s
          dynamodb:
            table: %sevents
            region: us-east-1
            endpoint: %s
            createTable: true
            timeout: 5s
        tiers:
          redis:
            enabled: true
            uris: ["%s"]
            keyPrefix: "%scache:"
            timeout: 250ms
          dynamodb:
            enabled: true
            table: %scache
            region: us-east-1
            endpoint: %s
            createTable: true
            timeout: 1s
          sqlite:
            enabled: false
        """,
        sim.baseUrl(),
        options.ttlSeconds,
        retention,
        retention,
        secret,
        hooks.appUrl(),
        options.reconcileSeconds,
        apiKey,
        store,
        dir.resolve("edge" + edge.index + ".db"),
        redisUri,
        prefix,
        prefix,
        dynamoEndpoint,
        redisUri,
        prefix,
        prefix,
        dynamoEndpoint);
  }
}
