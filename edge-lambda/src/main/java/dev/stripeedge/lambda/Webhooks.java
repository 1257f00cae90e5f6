package dev.stripeedge.lambda;

import dev.stripeedge.core.Secret;
import dev.stripeedge.core.webhooks.EventProcessor;
import dev.stripeedge.core.webhooks.StripeSignature;
import dev.stripeedge.core.webhooks.WebhookIngest;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A runtime's webhook endpoints, as the sidecar's receiver builds them: one {@link WebhookIngest}
 * per configured path (the primary and any Connect endpoints), each with its own secrets, all
 * feeding the runtime's event processor (and so its ledger).
 */
final class Webhooks {

  private final String primaryPath;
  private final Map<String, WebhookIngest> ingests;

  private Webhooks(String primaryPath, Map<String, WebhookIngest> ingests) {
    this.primaryPath = primaryPath;
    this.ingests = ingests;
  }

  static Webhooks of(EdgeSettings.Webhooks webhooks, EdgeRuntime runtime, MeterRegistry metrics) {
    EventProcessor processor = runtime.eventProcessor();
    if (processor == null) {
      return new Webhooks(webhooks.path(), Map.of());
    }
    Map<String, List<String>> secretsByPath = new LinkedHashMap<>();
    if (!webhooks.secrets().isEmpty()) {
      secretsByPath.put(webhooks.path(), revealed(webhooks.secrets()));
    }
    webhooks.endpoints().forEach(e -> secretsByPath.put(e.path(), revealed(e.secrets())));
    Map<String, WebhookIngest> ingests = new LinkedHashMap<>();
    secretsByPath.forEach(
        (path, secrets) ->
            ingests.put(
                path,
                WebhookIngest.of(
                    path,
                    StripeSignature.of(secrets, webhooks.tolerance(), runtime.time().clock()),
                    processor,
                    webhooks.maxPayloadBytes(),
                    metrics)));
    return new Webhooks(webhooks.path(), Map.copyOf(ingests));
  }

  private static List<String> revealed(List<Secret> secrets) {
    return secrets.stream().map(Secret::reveal).toList();
  }

  /**
   * The endpoint for a delivery to {@code path}: the configured one with that path, else the
   * primary (a Function URL or route serves only this function, whatever path Stripe was given);
   * null when it has no secret.
   */
  @Nullable WebhookIngest forPath(String path) {
    WebhookIngest exact = ingests.get(path);
    return exact != null ? exact : ingests.get(primaryPath);
  }
}
