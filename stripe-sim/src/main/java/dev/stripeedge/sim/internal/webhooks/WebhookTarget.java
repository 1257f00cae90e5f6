package dev.stripeedge.sim.internal.webhooks;

import java.util.List;
import java.util.Objects;

/**
 * One webhook endpoint to deliver to: its id, absolute URL and the signing secrets in force.
 *
 * <p>Immutable and thread-safe. Several secrets model a rolled endpoint secret: every secret gets
 * its own {@code v1} entry so receivers holding either the old or the new one can verify.
 *
 * @param endpointId the {@code we_...} id, passed back to {@link DeliveryListener}
 * @param url absolute {@code http://} or {@code https://} URL to POST to
 * @param secrets non-empty list of non-empty signing secrets, usually {@code whsec_...}
 */
public record WebhookTarget(String endpointId, String url, List<String> secrets) {
  /** Validates and defensively copies; throws {@link IllegalArgumentException} on empty secrets. */
  public WebhookTarget {
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(url, "url");
    secrets = List.copyOf(secrets);
    if (secrets.isEmpty() || secrets.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("secrets must be a non-empty list of non-empty strings");
    }
  }
}
