package dev.stripeedge.core.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class EncryptingTierTest {

  private static final byte[] K1 = filled(32, 1);
  private static final byte[] K2 = filled(32, 2);
  private static final String BODY = "{\"id\":\"cus_secret\",\"email\":\"ada@example.com\"}";

  private final MemoryTier stored = new MemoryTier();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private static byte[] filled(int length, int value) {
    byte[] key = new byte[length];
    Arrays.fill(key, (byte) value);
    return key;
  }

  private static TierEntry entry(String key) {
    long now = System.currentTimeMillis();
    return new TierEntry(
        key, BODY.getBytes(StandardCharsets.UTF_8), Set.of("cus_secret"), now, now + 60_000);
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
    return future.orTimeout(5, TimeUnit.SECONDS).join();
  }

  private EncryptingTier tier(TierKeys keys) {
    return EncryptingTier.wrap(stored, keys, meters);
  }

  private @Nullable String body(CacheTier tier, String key) {
    TierEntry found = await(tier.get(key));
    return found == null ? null : new String(found.value(), StandardCharsets.UTF_8);
  }

  private double failures(String reason) {
    return meters
        .get("stripe.edge.tier.decrypt.failures")
        .tag("tier", "memory")
        .tag("reason", reason)
        .counter()
        .count();
  }

  @Test
  void theTierStoresCiphertextAndTheCallerGetsThePlainValueBack() {
    EncryptingTier tier = tier(TierKeys.of("k1", Map.of("k1", K1)));

    assertThat(await(tier.put(entry("key")))).isTrue();

    String atRest = new String(stored.entries.get("key").value(), StandardCharsets.ISO_8859_1);
    assertThat(atRest).doesNotContain("cus_secret").doesNotContain("ada@example.com");
    assertThat(stored.entries.get("key").ids()).containsExactly("cus_secret");
    assertThat(body(tier, "key")).isEqualTo(BODY);
  }

  @Test
  void everyValueGetsItsOwnNonce() {
    EncryptingTier tier = tier(TierKeys.of("k1", Map.of("k1", K1)));
    await(tier.put(entry("a")));
    await(tier.put(entry("b")));

    byte[] a = stored.entries.get("a").value();
    byte[] b = stored.entries.get("b").value();
    // Same plaintext, same key: only a fresh nonce makes the sealed values differ.
    assertThat(Arrays.copyOfRange(a, 4, 16)).isNotEqualTo(Arrays.copyOfRange(b, 4, 16));
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void afterARotationOldValuesStillDecryptAndNewOnesUseTheNewKey() {
    await(tier(TierKeys.of("k1", Map.of("k1", K1))).put(entry("old")));
    EncryptingTier rotated = tier(TierKeys.of("k2", Map.of("k1", K1, "k2", K2)));

    await(rotated.put(entry("new")));

    assertThat(body(rotated, "old")).isEqualTo(BODY);
    assertThat(body(rotated, "new")).isEqualTo(BODY);
    assertThat(new String(stored.entries.get("new").value(), 2, 2, StandardCharsets.US_ASCII))
        .isEqualTo("k2");
    // Once k1 is retired, what it sealed is a miss, not an error.
    EncryptingTier retired = tier(TierKeys.of("k2", Map.of("k2", K2)));
    assertThat(body(retired, "old")).isNull();
    assertThat(body(retired, "new")).isEqualTo(BODY);
    assertThat(failures("unknown_key")).isEqualTo(1);
  }

  @Test
  void aTamperedValueIsACountedMiss() {
    EncryptingTier tier = tier(TierKeys.of("k1", Map.of("k1", K1)));
    await(tier.put(entry("key")));
    TierEntry sealed = stored.entries.get("key");
    byte[] flipped = sealed.value().clone();
    flipped[flipped.length - 20] ^= 1;
    stored.entries.put(
        "key",
        new TierEntry(
            "key", flipped, sealed.ids(), sealed.fetchStartedMillis(), sealed.expiresAtMillis()));

    assertThat(body(tier, "key")).isNull();
    assertThat(failures("tampered")).isEqualTo(1);
  }

  @Test
  void aValueMovedToAnotherKeyDoesNotOpen() {
    EncryptingTier tier = tier(TierKeys.of("k1", Map.of("k1", K1)));
    await(tier.put(entry("mine")));
    TierEntry sealed = stored.entries.get("mine");
    stored.entries.put(
        "theirs",
        new TierEntry(
            "theirs",
            sealed.value(),
            sealed.ids(),
            sealed.fetchStartedMillis(),
            sealed.expiresAtMillis()));

    assertThat(body(tier, "theirs")).isNull();
    assertThat(await(tier.getAll(List.of("mine", "theirs")))).containsOnlyKeys("mine");
    assertThat(failures("tampered")).isEqualTo(2);
  }

  @Test
  void truncatedAndPlainValuesAreMisses() {
    EncryptingTier tier = tier(TierKeys.of("k1", Map.of("k1", K1)));
    long now = System.currentTimeMillis();
    stored.put(
        new TierEntry("plain", BODY.getBytes(StandardCharsets.UTF_8), Set.of(), now, now + 60_000));
    stored.put(new TierEntry("short", new byte[] {1, 2, 'k', '1'}, Set.of(), now, now + 60_000));

    assertThat(body(tier, "plain")).isNull();
    assertThat(body(tier, "short")).isNull();
  }

  @Test
  void badKeysAreRefusedWithoutPrintingThem() {
    assertThatThrownBy(() -> TierKeys.of("k1", Map.of("k1", new byte[15])))
        .hasMessageContaining("16, 24 or 32 bytes");
    assertThatThrownBy(() -> TierKeys.of("k3", Map.of("k1", K1)))
        .hasMessageContaining("'k3' is not among [k1]");
    assertThatThrownBy(() -> TierKeys.fromBase64("k1", Map.of("k1", "not base64 !!secret")))
        .hasMessage("encryption key k1 is not base64");
    TierKeys keys =
        TierKeys.fromBase64("k1", Map.of("k1", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="));
    assertThat(keys.toString()).isEqualTo("TierKeys[current=k1, ids=[k1]]");
  }
}
