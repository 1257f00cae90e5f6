package dev.stripeedge.core;

import org.jspecify.annotations.Nullable;

/**
 * An object's new state as a Stripe event carries it ({@code data.object}).
 *
 * @param objectId the object's id
 * @param changedAtSeconds the event's {@code created}, Unix seconds on Stripe's clock
 * @param apiVersion the event's {@code api_version}: the shape {@code objectJson} has
 * @param objectJson {@code data.object} as the event holds it; owned by the record, never changed
 * @param previousAttributes {@code data.previous_attributes} (the changed fields' values before the
 *     change, on {@code *.updated} events), empty when the event has none; owned likewise
 * @param account the event's {@code account} (a Connect event's connected account), null for the
 *     platform's own: only entries cached for that account may take the event's copy
 */
public record ObjectChange(
    String objectId,
    long changedAtSeconds,
    String apiVersion,
    byte[] objectJson,
    byte[] previousAttributes,
    @Nullable String account) {

  public ObjectChange {
    if (objectId.isBlank() || apiVersion.isBlank()) {
      throw new IllegalArgumentException("an object change needs an object id and an API version");
    }
  }

  /** A change on the platform's own account. */
  public ObjectChange(
      String objectId,
      long changedAtSeconds,
      String apiVersion,
      byte[] objectJson,
      byte[] previousAttributes) {
    this(objectId, changedAtSeconds, apiVersion, objectJson, previousAttributes, null);
  }

  /** A change on the platform's own account, without {@code previous_attributes}. */
  public ObjectChange(
      String objectId, long changedAtSeconds, String apiVersion, byte[] objectJson) {
    this(objectId, changedAtSeconds, apiVersion, objectJson, new byte[0], null);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof ObjectChange that
        && objectId.equals(that.objectId)
        && java.util.Objects.equals(account, that.account)
        && changedAtSeconds == that.changedAtSeconds
        && apiVersion.equals(that.apiVersion)
        && java.util.Arrays.equals(objectJson, that.objectJson)
        && java.util.Arrays.equals(previousAttributes, that.previousAttributes);
  }

  @Override
  public int hashCode() {
    return objectId.hashCode() * 31 + Long.hashCode(changedAtSeconds);
  }

  @Override
  public String toString() {
    return "ObjectChange["
        + objectId
        + " at "
        + changedAtSeconds
        + ", "
        + apiVersion
        + (account == null ? "" : ", " + account)
        + "]";
  }
}
