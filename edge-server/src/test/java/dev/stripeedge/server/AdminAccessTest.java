package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.Secret;
import dev.stripeedge.runtime.EdgeSettings;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdminAccessTest {

  private static final String TOKEN = "admin-token-0123456789";
  private static final int PORT = 8081;

  private static EdgeSettings.Admin admin(String host, int port, String token) {
    return new EdgeSettings.Admin(
        host, port, List.of(), Secret.of(token), new EdgeSettings.Tls("", ""));
  }

  private static AdminAccess loopback() {
    return new AdminAccess(admin("127.0.0.1", 8081, TOKEN));
  }

  private static AdminAccess.Refusal get(AdminAccess access, String host) {
    return access.check("GET", host, null, null, PORT, false);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    "127.0.0.1:8081",
    "localhost:8081",
    "LOCALHOST:8081",
    "[::1]:8081",
    "127.0.0.1:8081 ",
  })
  void aLoopbackListenerAnswersItsOwnNames(String host) {
    assertThat(get(loopback(), host)).isNull();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    "attacker.example:8081", // DNS rebinding: the attacker's name resolving to 127.0.0.1
    "attacker.example",
    "127.0.0.1", // port 80 meant
    "127.0.0.1:8080", // another listener's port
    "10.0.0.5:8081", // not loopback
    "127.0.0.1:80x",
    "''",
  })
  void aLoopbackListenerRefusesOtherNames(String host) {
    AdminAccess.Refusal refusal = get(loopback(), host);

    assertThat(refusal).isNotNull();
    assertThat(refusal.status()).isEqualTo(403);
    assertThat(refusal.message()).doesNotContain("attacker");
  }

  @Test
  void aMissingHostIsRefused() {
    assertThat(loopback().check("GET", null, null, null, PORT, false)).isNotNull();
  }

  @Test
  void allowedHostsAddNames() {
    AdminAccess access =
        new AdminAccess(
            new EdgeSettings.Admin(
                "10.0.0.5",
                PORT,
                List.of("edge-admin.internal"),
                Secret.none(),
                new EdgeSettings.Tls("", "")));

    assertThat(get(access, "edge-admin.internal:8081")).isNull();
    assertThat(get(access, "10.0.0.5:8081")).isNull();
    assertThat(get(access, "localhost:8081")).as("not bound to loopback").isNotNull();
    assertThat(get(access, "10.0.0.6:8081")).isNotNull();
    // A listed name is published elsewhere (port mapping, load balancer): its port is not ours.
    assertThat(get(access, "edge-admin.internal:443")).isNull();
    assertThat(get(access, "10.0.0.5:9090")).as("an address still needs the port").isNotNull();
  }

  @Test
  void aWildcardListenerAcceptsAddressesButNoForeignName() {
    AdminAccess access = new AdminAccess(admin("0.0.0.0", 8081, ""));

    assertThat(get(access, "10.1.2.3:8081")).isNull();
    assertThat(get(access, "localhost:8081")).isNull();
    assertThat(get(access, "rebound.example:8081")).isNotNull();
  }

  @Test
  void overTlsTheDefaultPortIs443() {
    AdminAccess access = new AdminAccess(admin("127.0.0.1", 443, ""));

    assertThat(access.check("GET", "127.0.0.1", null, null, 443, true)).isNull();
    assertThat(access.check("GET", "127.0.0.1", null, null, 443, false)).isNotNull();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({"https://attacker.example", "http://attacker.example:8081", "null", "http://[bad"})
  void aCrossSiteOriginIsRefused(String origin) {
    AdminAccess.Refusal refusal =
        loopback().check("POST", "127.0.0.1:8081", origin, "Bearer " + TOKEN, PORT, false);

    assertThat(refusal).isNotNull();
    assertThat(refusal.status()).isEqualTo(403);
  }

  @Test
  void theListenersOwnOriginPasses() {
    assertThat(
            loopback()
                .check(
                    "POST",
                    "127.0.0.1:8081",
                    "http://localhost:8081",
                    "Bearer " + TOKEN,
                    PORT,
                    false))
        .isNull();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({"POST", "PUT", "DELETE", "PATCH"})
  void stateChangesNeedTheToken(String method) {
    AdminAccess access = loopback();

    AdminAccess.Refusal none = access.check(method, "127.0.0.1:8081", null, null, PORT, false);
    AdminAccess.Refusal wrong =
        access.check(method, "127.0.0.1:8081", null, "Bearer wrong-token-012345", PORT, false);
    AdminAccess.Refusal prefix =
        access.check(method, "127.0.0.1:8081", null, "Bearer " + TOKEN + "x", PORT, false);
    AdminAccess.Refusal basic =
        access.check(method, "127.0.0.1:8081", null, "Basic " + TOKEN, PORT, false);

    for (AdminAccess.Refusal refusal : new AdminAccess.Refusal[] {none, wrong, prefix, basic}) {
      assertThat(refusal).isNotNull();
      assertThat(refusal.status()).isEqualTo(401);
      assertThat(refusal.challenge()).startsWith("Bearer");
    }
    assertThat(access.check(method, "127.0.0.1:8081", null, "bearer " + TOKEN, PORT, false))
        .isNull();
  }

  @Test
  void readsNeedNoToken() {
    assertThat(loopback().check("GET", "127.0.0.1:8081", null, null, PORT, false)).isNull();
    assertThat(loopback().check("HEAD", "127.0.0.1:8081", null, null, PORT, false)).isNull();
  }

  @Test
  void withoutATokenStateChangesAreRefusedSayingHowToSetOne() {
    AdminAccess access = new AdminAccess(admin("127.0.0.1", 8081, ""));

    AdminAccess.Refusal refusal =
        access.check("POST", "127.0.0.1:8081", null, "Bearer anything-at-all", PORT, false);

    assertThat(refusal).isNotNull();
    assertThat(refusal.status()).isEqualTo(403);
    assertThat(refusal.message()).contains("STRIPE_EDGE_ADMIN_TOKEN");
  }
}
