package dev.stripeedge.core.tier;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The AES keys of {@link EncryptingTier}: one current key that encrypts, and every configured key
 * by id for decrypting (so values written before a rotation stay readable until they expire).
 *
 * <p>Immutable and thread-safe. Never prints key material.
 */
public final class TierKeys {

  private final String currentId;
  private final Map<String, SecretKey> keys;
  private final SecretKey current;

  private TierKeys(String currentId, Map<String, SecretKey> keys) {
    SecretKey key = keys.get(currentId);
    if (key == null) {
      throw new IllegalArgumentException(
          "the current encryption key '" + currentId + "' is not among " + keys.keySet());
    }
    this.currentId = currentId;
    this.keys = keys;
    this.current = key;
  }

  /**
   * Keys by id, {@code currentId} encrypting.
   *
   * @param keys raw AES keys of 16, 24 or 32 bytes, by id (1..64 printable ASCII characters)
   * @throws IllegalArgumentException a key has a bad length or id, or {@code currentId} is missing
   */
  public static TierKeys of(String currentId, Map<String, byte[]> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("encryption needs at least one key");
    }
    Map<String, SecretKey> checked = new LinkedHashMap<>();
    keys.forEach(
        (id, raw) -> {
          if (id.isEmpty()
              || id.length() > 64
              || !id.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != ',' && c != ':')) {
            throw new IllegalArgumentException(
                "an encryption key id must be 1..64 printable ASCII characters without ',' or"
                    + " ':': '"
                    + id
                    + "'");
          }
          if (raw.length != 16 && raw.length != 24 && raw.length != 32) {
            throw new IllegalArgumentException(
                "encryption key " + id + " must have 16, 24 or 32 bytes, not " + raw.length);
          }
          checked.put(id, new SecretKeySpec(raw.clone(), "AES"));
        });
    if (!checked.containsKey(currentId)) {
      throw new IllegalArgumentException(
          "the current encryption key '" + currentId + "' is not among " + checked.keySet());
    }
    return new TierKeys(currentId, Map.copyOf(checked));
  }

  /**
   * Keys given as base64 text, as configuration and the environment carry them.
   *
   * @throws IllegalArgumentException as {@link #of}, or a value is not base64 (the value is never
   *     in the message)
   */
  public static TierKeys fromBase64(String currentId, Map<String, String> base64) {
    Map<String, byte[]> raw = new LinkedHashMap<>();
    base64.forEach(
        (id, text) -> {
          try {
            raw.put(id, Base64.getDecoder().decode(text.strip()));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("encryption key " + id + " is not base64");
          }
        });
    return of(currentId, raw);
  }

  /** The id of the key that encrypts. */
  public String currentId() {
    return currentId;
  }

  /** Every id that can decrypt. */
  public Set<String> ids() {
    return keys.keySet();
  }

  SecretKey current() {
    return current;
  }

  @Nullable SecretKey byId(String id) {
    return keys.get(id);
  }

  byte[] currentIdBytes() {
    return currentId.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "TierKeys[current=" + currentId + ", ids=" + keys.keySet() + "]";
  }
}
