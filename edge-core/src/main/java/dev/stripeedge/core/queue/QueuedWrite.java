package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.budget.Lane;
import dev.stripeedge.core.budget.LaneRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One accepted asynchronous write, as a {@link WorkQueue} stores it: the request exactly as the
 * worker will send it (idempotency key included, headers the API key among them), and what orders
 * it. Immutable.
 *
 * @param id the write's id ({@code aw_…}), the status resource's name
 * @param request the write as it will be sent, idempotency key set
 * @param orderKey writes with the same order key are delivered in acceptance order, one at a time
 *     (the object id for a write to an object; a unique value for a create)
 * @param callbackUrl where the outcome is POSTed, or null for none
 * @param acceptedAt when the edge accepted it (the idempotency window counts from here)
 */
public record QueuedWrite(
    String id,
    EdgeRequest request,
    String orderKey,
    @Nullable String callbackUrl,
    Instant acceptedAt) {

  public QueuedWrite {
    if (id.isBlank() || orderKey.isBlank()) {
      throw new IllegalArgumentException("a queued write needs an id and an order key");
    }
    if (request.header("idempotency-key") == null) {
      throw new IllegalArgumentException("a queued write needs its Idempotency-Key: " + id);
    }
  }

  /** The idempotency key every attempt carries. */
  public String idempotencyKey() {
    String key = request.header("idempotency-key");
    return key == null ? "" : key;
  }

  /**
   * The budget lane the workers will send it in: its {@code Priority} header's (background when it
   * has none, as the workers send it), else the route's by {@link LaneRule#stripe()} (per-route
   * lane overrides of the budget's config are not seen here). A metric tag.
   */
  public String lane() {
    if (request.header("priority") == null) {
      return Lane.BACKGROUND.tag();
    }
    return LaneRule.stripe().decide(request, StripeRoutes.classify(request.path())).tag();
  }

  /**
   * The request's headers as {@code name: value} lines, one per value, in the request's order: a
   * form every backend can store as text (HTTP header values hold no line breaks).
   */
  public static String headerBlock(Map<String, List<String>> headers) {
    StringBuilder out = new StringBuilder(256);
    headers.forEach(
        (name, values) -> {
          for (String value : values) {
            out.append(name).append(": ").append(value).append('\n');
          }
        });
    return out.toString();
  }

  /** The headers {@link #headerBlock} wrote. */
  public static Map<String, List<String>> parseHeaderBlock(String block) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line : block.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        headers
            .computeIfAbsent(line.substring(0, colon), name -> new ArrayList<>(1))
            .add(line.substring(colon + 2));
      }
    }
    return headers;
  }

  /**
   * SHA-256 of the write's {@code Authorization} value: who may read its status. A write whose
   * credentials are sealed ({@link CredentialSeal}) carries it in {@code Stripe-Edge-Owner}.
   */
  public byte[] ownerHash() {
    String sealedOwner = request.header(CredentialSeal.OWNER_HEADER);
    if (sealedOwner != null) {
      try {
        return Base64.getDecoder().decode(sealedOwner);
      } catch (IllegalArgumentException e) {
        // Matches no key's hash: the status is readable by no one rather than by anyone.
        return new byte[1];
      }
    }
    return ownerHash(request.header("authorization"));
  }

  /** SHA-256 of an {@code Authorization} value (empty for none). */
  public static byte[] ownerHash(@Nullable String authorization) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest((authorization == null ? "" : authorization).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    // Never the headers: they carry the API key.
    return "QueuedWrite[" + id + ", " + request + ", order=" + orderKey + "]";
  }
}
