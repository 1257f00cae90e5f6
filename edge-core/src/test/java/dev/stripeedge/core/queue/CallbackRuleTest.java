package dev.stripeedge.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The callback allow-list, as a table: what is accepted, what is refused and why. */
class CallbackRuleTest {

  private static final CallbackRule RULE =
      new CallbackRule(List.of("hooks.example.com", "*.example.org", "127.0.0.1", "Localhost."));

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Allowed.
        "https://hooks.example.com/done              | ",
        "https://HOOKS.example.com./done?x=1         | ",
        "https://a.example.org/done                  | ",
        "https://a.b.example.org:8443/done           | ",
        "http://127.0.0.1:8080/done                  | ",
        "http://localhost:8080/done                  | ",
        "http://hooks.example.com/done               | ",
        // Refused: the host.
        "https://example.org/done                    | does not send callbacks to example.org",
        "https://evil.example.com/done               | does not send callbacks to evil.example.com",
        "https://hooks.example.com.evil.net/done     | does not send callbacks",
        "https://evilexample.org/done                | does not send callbacks",
        "https://169.254.169.254/latest/meta-data/   | does not send callbacks to 169.254.169.254",
        "https://[::1]/done                          | does not send callbacks to ::1",
        "https://10.0.0.1/done                       | does not send callbacks",
        // Refused: the scheme, or the URL's shape.
        "http://a.example.org/done                   | must be https",
        "ftp://hooks.example.com/done                | absolute https URL",
        "file:///etc/passwd                          | absolute https URL",
        "/done                                       | absolute https URL",
        "https://user:pw@hooks.example.com/done      | user information",
        "https://hooks.example.com/a b               | not a URL",
      })
  void atAcceptance(String url, String refusal) {
    if (refusal == null) {
      assertThat(RULE.refusal(url)).isNull();
    } else {
      assertThat(RULE.refusal(url)).contains(refusal);
    }
  }

  @Test
  void anEmptyListRefusesEveryCallback() {
    CallbackRule none = new CallbackRule(List.of());
    assertThat(none.any()).isFalse();
    assertThat(none.refusal("https://hooks.example.com/done")).contains("callbacks are off");
  }

  @Test
  void aStarAllowsAnyNameButNoIpLiteral() {
    CallbackRule any = new CallbackRule(List.of("*"));
    assertThat(any.refusal("https://anything.example/done")).isNull();
    assertThat(any.refusal("https://8.8.8.8/done")).contains("does not send callbacks");
    assertThat(any.refusal("http://anything.example/done")).contains("must be https");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.1.2.3",
        "0.0.0.0",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.100.100.200",
        "192.0.0.10",
        "198.18.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a9fe:a9fe:0",
        "2002:a9fe:a9fe::1",
        "2002:7f00:1::",
        "ff02::1"
      })
  void internalAddressesAreRecognised(String address) throws Exception {
    assertThat(CallbackRule.internal(InetAddress.getByName(address))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "100.128.0.1",
        "2606:4700:4700::1111",
        "2002:808:808::1"
      })
  void publicAddressesAreNot(String address) throws Exception {
    assertThat(CallbackRule.internal(InetAddress.getByName(address))).isFalse();
  }

  @Test
  void atDeliveryAWildcardNameResolvingInsideIsRefusedAnExactOneIsNot() throws Exception {
    List<InetAddress> metadata = List.of(InetAddress.getByName("169.254.169.254"));
    List<InetAddress> mixed =
        List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.0.0.7"));
    List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"));

    assertThat(RULE.addressRefusal("rebound.example.org", metadata))
        .contains("internal address (169.254.169.254)");
    assertThat(RULE.addressRefusal("a.example.org", mixed)).contains("10.0.0.7");
    assertThat(RULE.addressRefusal("a.example.org", List.of(InetAddress.getByName("8.8.8.8"))))
        .isNull();
    assertThat(RULE.addressRefusal("localhost", loopback)).isNull();
    assertThat(RULE.addressRefusal("127.0.0.1", loopback)).isNull();
    assertThat(RULE.addressRefusal("a.example.org", List.of())).contains("no address");
  }

  @Test
  void patternsThatAreNotHostsAreRefusedWhenTheConfigurationLoads() {
    for (String bad :
        List.of("https://hooks.example.com", "*.*.example.com", "a*.example.com", "")) {
      assertThatThrownBy(() -> new CallbackRule(List.of(bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void configuredCallbackUrlsMustPassTheRule() {
    assertThatThrownBy(
            () ->
                AsyncWriteConfig.defaults().toBuilder()
                    .callbackSecret("whsec_x")
                    .callbackHosts(List.of("hooks.example.com"))
                    .callbackUrls(java.util.Map.of("POST /v1/customers", "https://other.example/x"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("asyncWrites.callbackUrls[POST /v1/customers]");
  }
}
