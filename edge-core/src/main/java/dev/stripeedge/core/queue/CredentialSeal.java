package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgeRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of a queued write's credentials: the {@code Authorization} header (a Stripe
 * secret key) never reaches a queue backend in clear. Before the write is stored it is replaced by
 * {@code Stripe-Edge-Sealed: v1.<key id>.<base64url(nonce ‖ AES-GCM ciphertext ‖ tag)>}, with the
 * write's id and the key id as associated data (a sealed value moved onto another write does not
 * open); the worker {@link #open opens} it just before the pipeline sends the write.
 *
 * <p>The AES-256 key is derived with HKDF-SHA256 (RFC 5869) from the edge's existing secret (the
 * cache-key secret) under a label of its own, so it is never the key that hashes cache keys. The
 * key id is derived the same way under another label: a write sealed before the secret changed is
 * recognised as such (a clear failure naming both ids) rather than as tampering.
 *
 * <p>Who may read the write's status is kept apart, as {@code Stripe-Edge-Owner} (SHA-256 of the
 * {@code Authorization} value, what {@link QueuedWrite#ownerHash()} reads), so the status check
 * needs no decryption. Immutable and thread-safe.
 */
public final class CredentialSeal {

  /** The header holding the sealed credentials in a stored write. */
  public static final String SEALED_HEADER = "stripe-edge-sealed";

  /** The header holding the writer's {@link QueuedWrite#ownerHash} in a stored write. */
  public static final String OWNER_HEADER = "stripe-edge-owner";

  /** The headers sealed: the ones that carry a credential. */
  private static final Set<String> SECRET_HEADERS = Set.of("authorization");

  private static final String VERSION = "v1";
  private static final byte[] SALT = "stripe-edge".getBytes(StandardCharsets.US_ASCII);
  private static final String KEY_LABEL = "stripe-edge/async-writes/credentials/aes-256-gcm/v1";
  private static final String ID_LABEL = "stripe-edge/async-writes/credentials/key-id/v1";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;
  private final String keyId;
  private final SecureRandom random = new SecureRandom();

  private CredentialSeal(byte[] key, String keyId) {
    this.key = new SecretKeySpec(key, "AES");
    this.keyId = keyId;
  }

  /**
   * The seal whose key is derived from {@code edgeSecret} (the cache-key secret: configured, or the
   * one kept in the store).
   *
   * @throws IllegalArgumentException the secret is shorter than 16 bytes
   */
  public static CredentialSeal derivedFrom(byte[] edgeSecret) {
    if (edgeSecret.length < 16) {
      throw new IllegalArgumentException(
          "the edge secret sealing queued credentials needs at least 16 bytes");
    }
    byte[] key = hkdf(SALT, edgeSecret, KEY_LABEL.getBytes(StandardCharsets.US_ASCII), 32);
    byte[] id = hkdf(SALT, edgeSecret, ID_LABEL.getBytes(StandardCharsets.US_ASCII), 6);
    return new CredentialSeal(key, "k" + HexFormat.of().formatHex(id));
  }

  /** Which key seals: changes when the edge's secret does. Not secret. */
  public String keyId() {
    return keyId;
  }

  /** Why a stored write's credentials cannot be opened; the message says it, never a secret. */
  public static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    private final String why;

    Unreadable(String why) {
      super(why);
      this.why = why;
    }

    /** Why, in words fit for the write's status. */
    public String why() {
      return why;
    }
  }

  /**
   * {@code write} as it may be stored: its credential headers sealed, the owner hash alongside. Any
   * {@code Stripe-Edge-Sealed} or {@code Stripe-Edge-Owner} the client sent is dropped first.
   */
  public QueuedWrite seal(QueuedWrite write) {
    EdgeRequest request = write.request();
    Map<String, List<String>> secrets = new LinkedHashMap<>();
    Map<String, List<String>> kept = new LinkedHashMap<>();
    request
        .headers()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(java.util.Locale.ROOT);
              if (SECRET_HEADERS.contains(lower)) {
                secrets.put(name, values);
              } else if (!lower.equals(SEALED_HEADER) && !lower.equals(OWNER_HEADER)) {
                kept.put(name, values);
              }
            });
    String authorization = request.header("authorization");
    kept.put(
        OWNER_HEADER,
        List.of(Base64.getEncoder().encodeToString(QueuedWrite.ownerHash(authorization))));
    if (!secrets.isEmpty()) {
      byte[] plain = QueuedWrite.headerBlock(secrets).getBytes(StandardCharsets.UTF_8);
      kept.put(SEALED_HEADER, List.of(VERSION + "." + keyId + "." + encrypt(write.id(), plain)));
    }
    return new QueuedWrite(
        write.id(),
        new EdgeRequest(request.method(), request.path(), request.rawQuery(), kept, request.body()),
        write.orderKey(),
        write.callbackUrl(),
        write.acceptedAt());
  }

  /**
   * The request to send for stored {@code write}: credentials opened, the edge's own headers
   * removed. A write stored before sealing existed (no sealed header) is sent as it was stored.
   *
   * @throws Unreadable the sealed value is malformed, was sealed under another key (the edge's
   *     secret changed), or fails authentication (altered, or moved from another write)
   */
  public EdgeRequest open(QueuedWrite write) throws Unreadable {
    EdgeRequest request = write.request();
    String sealed = request.header(SEALED_HEADER);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    request
        .headers()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(java.util.Locale.ROOT);
              if (!lower.equals(SEALED_HEADER) && !lower.equals(OWNER_HEADER)) {
                headers.put(name, values);
              }
            });
    if (sealed != null) {
      String[] parts = sealed.split("\\.", -1);
      if (parts.length != 3 || !parts[0].equals(VERSION)) {
        throw new Unreadable("its sealed credentials are not in a format this edge reads");
      }
      if (!parts[1].equals(keyId)) {
        throw new Unreadable(
            "its credentials were sealed under key "
                + parts[1].replaceAll("[^A-Za-z0-9]", "")
                + " but this edge's key is "
                + keyId
                + " (the edge's cacheKeySecret changed, or another edge with another secret"
                + " accepted it); send the write again");
      }
      byte[] plain = decrypt(write.id(), parts[2]);
      headers.putAll(QueuedWrite.parseHeaderBlock(new String(plain, StandardCharsets.UTF_8)));
    }
    return new EdgeRequest(
        request.method(), request.path(), request.rawQuery(), headers, request.body());
  }

  private String encrypt(String writeId, byte[] plain) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(writeId));
      byte[] sealed = cipher.doFinal(plain);
      return B64.encodeToString(
          ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private byte[] decrypt(String writeId, String text) throws Unreadable {
    byte[] value;
    try {
      value = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new Unreadable("its sealed credentials are not base64");
    }
    if (value.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new Unreadable("its sealed credentials are truncated");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, value, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData(writeId));
      return cipher.doFinal(value, NONCE_BYTES, value.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new Unreadable(
          "its sealed credentials fail authentication (altered, or not sealed for this write)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private byte[] associatedData(String writeId) {
    return (VERSION + "." + keyId + "." + writeId).getBytes(StandardCharsets.UTF_8);
  }

  /** HKDF-SHA256 (RFC 5869): extract with {@code salt}, expand to {@code length} bytes. */
  static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] out = new byte[length];
      byte[] block = new byte[0];
      int done = 0;
      for (int i = 1; done < length; i++) {
        mac.update(block);
        mac.update(info);
        mac.update((byte) i);
        block = mac.doFinal();
        int n = Math.min(block.length, length - done);
        System.arraycopy(block, 0, out, done, n);
        done += n;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "CredentialSeal[" + keyId + "]";
  }
}
