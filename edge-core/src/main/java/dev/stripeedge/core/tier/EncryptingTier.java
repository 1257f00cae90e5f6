package dev.stripeedge.core.tier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.jspecify.annotations.Nullable;

/**
 * Encryption at rest for any {@link CacheTier}: each value is sealed with AES-GCM under the current
 * key of {@link TierKeys} before the tier stores it, and opened on the way back.
 *
 * <p>Value layout: version ({@code 1}), key id length, key id (ASCII), a random 96-bit nonce, then
 * ciphertext and 128-bit tag. The version, key id and the entry's cache key are authenticated
 * (additional data), so a value moved to another key fails like a tampered one. Any configured key
 * decrypts, by the id in the value: rotate by adding a new key as current and keeping the old one
 * until the tier's entries have expired.
 *
 * <p>A value that does not open (tampered, truncated, or sealed by a key no longer configured) is a
 * miss, counted in {@code stripe.edge.tier.decrypt.failures}; never an error for the client. Keys,
 * ids and expiry stay in clear: the tier needs them to index, expire and invalidate. Thread-safe;
 * encryption runs on the caller's thread, decryption on the tier's.
 */
public final class EncryptingTier implements CacheTier {

  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final CacheTier delegate;
  private final TierKeys keys;
  private final SecureRandom random;
  private final Counter tampered;
  private final Counter unknownKey;

  private EncryptingTier(
      CacheTier delegate, TierKeys keys, SecureRandom random, MeterRegistry meters) {
    this.delegate = delegate;
    this.keys = keys;
    this.random = random;
    this.tampered = failures(meters, delegate.name(), "tampered");
    this.unknownKey = failures(meters, delegate.name(), "unknown_key");
  }

  /** {@code delegate} with its values sealed under {@code keys}. */
  public static EncryptingTier wrap(CacheTier delegate, TierKeys keys, MeterRegistry meters) {
    return new EncryptingTier(delegate, keys, new SecureRandom(), meters);
  }

  private static Counter failures(MeterRegistry meters, String tier, String reason) {
    return Counter.builder("stripe.edge.tier.decrypt.failures")
        .description("Tier values that did not decrypt, served as misses")
        .tag("tier", tier)
        .tag("reason", reason)
        .register(meters);
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    return delegate.get(key).thenApply(entry -> entry == null ? null : open(entry));
  }

  @Override
  public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
    return delegate
        .getAll(keys)
        .thenApply(
            found -> {
              Map<String, TierEntry> opened = new LinkedHashMap<>();
              found.forEach(
                  (key, entry) -> {
                    TierEntry plain = open(entry);
                    if (plain != null) {
                      opened.put(key, plain);
                    }
                  });
              return opened;
            });
  }

  @Override
  public CompletableFuture<Boolean> put(TierEntry entry) {
    TierEntry sealed;
    try {
      sealed = withValue(entry, seal(entry.key(), entry.value()));
    } catch (GeneralSecurityException e) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("cannot encrypt a tier value: " + e.getMessage(), e));
    }
    return delegate.put(sealed);
  }

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    return delegate.invalidate(ids);
  }

  @Override
  public void onRemoteInvalidation(Consumer<Collection<String>> listener) {
    delegate.onRemoteInvalidation(listener);
  }

  @Override
  public void onBroadcastGap(Runnable listener) {
    delegate.onBroadcastGap(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }

  private byte[] seal(String cacheKey, byte[] plain) throws GeneralSecurityException {
    byte[] keyId = keys.currentIdBytes();
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, keys.current(), new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(header(keyId));
    cipher.updateAAD(cacheKey.getBytes(StandardCharsets.UTF_8));
    byte[] sealed = cipher.doFinal(plain);
    return ByteBuffer.allocate(2 + keyId.length + NONCE_BYTES + sealed.length)
        .put(VERSION)
        .put((byte) keyId.length)
        .put(keyId)
        .put(nonce)
        .put(sealed)
        .array();
  }

  /** The entry with its value decrypted, or null (counted) when it does not open. */
  private @Nullable TierEntry open(TierEntry entry) {
    byte[] value = entry.value();
    if (value.length < 2 || value[0] != VERSION) {
      tampered.increment();
      return null;
    }
    int idLength = value[1] & 0xFF;
    int bodyAt = 2 + idLength + NONCE_BYTES;
    if (value.length < bodyAt + TAG_BITS / 8) {
      tampered.increment();
      return null;
    }
    byte[] keyId = java.util.Arrays.copyOfRange(value, 2, 2 + idLength);
    SecretKey key = keys.byId(new String(keyId, StandardCharsets.US_ASCII));
    if (key == null) {
      unknownKey.increment();
      return null;
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          key,
          new GCMParameterSpec(TAG_BITS, value, 2 + idLength, NONCE_BYTES));
      cipher.updateAAD(header(keyId));
      cipher.updateAAD(entry.key().getBytes(StandardCharsets.UTF_8));
      return withValue(entry, cipher.doFinal(value, bodyAt, value.length - bodyAt));
    } catch (AEADBadTagException e) {
      tampered.increment();
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot decrypt a tier value: " + e.getMessage(), e);
    }
  }

  private static byte[] header(byte[] keyId) {
    return ByteBuffer.allocate(2 + keyId.length)
        .put(VERSION)
        .put((byte) keyId.length)
        .put(keyId)
        .array();
  }

  private static TierEntry withValue(TierEntry entry, byte[] value) {
    return new TierEntry(
        entry.key(), value, entry.ids(), entry.fetchStartedMillis(), entry.expiresAtMillis());
  }

  @Override
  public String toString() {
    return "EncryptingTier[" + delegate + ", " + keys + "]";
  }
}
