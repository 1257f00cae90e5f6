package dev.stripeedge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stripe's wire behaviour as curl would see it: headers, errors, auth, bad input. */
class WireBehaviourIT {

  @RegisterExtension static StripeSimExtension sim = new StripeSimExtension();

  private final SimHttp http = new SimHttp(sim.baseUrl());
  private static final String KEY = "sk_test_wire";

  @Test
  void rootNamesTheSimulator() {
    HttpResponse<String> response = http.get("/", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"name\":\"stripe-sim\"");
  }

  @Test
  void everyResponseCarriesARequestIdAndTheApiVersion() {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/customers", KEY)
                .header("Stripe-Version", "2024-06-20")
                .GET()
                .build());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Request-Id")).get().asString().startsWith("req_");
    assertThat(response.headers().firstValue("Stripe-Version")).contains("2024-06-20");
  }

  @Test
  void everyResponseIsDatedLikeStripesToTheSecond() {
    long before = java.time.Instant.now().getEpochSecond();
    HttpResponse<String> response = http.get("/v1/customers", KEY);
    long after = java.time.Instant.now().getEpochSecond();

    String date = response.headers().firstValue("Date").orElseThrow();
    assertThat(date).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
    long dated =
        java.time.ZonedDateTime.parse(date, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toEpochSecond();
    assertThat(dated).isBetween(before, after);
  }

  @Test
  void missingKeyIs401WithStripesMessage() {
    HttpResponse<String> response = http.get("/v1/customers", null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("You did not provide an API key");
  }

  @Test
  void malformedAndWrongModeKeysAre401() {
    assertThat(http.get("/v1/customers", "sk_live_wrongmode").statusCode()).isEqualTo(401);
    assertThat(http.get("/v1/customers", "not-a-key").body()).contains("Invalid API Key provided");
  }

  @Test
  void basicAuthWithTheKeyAsUsernameWorks() {
    String basic = Base64.getEncoder().encodeToString((KEY + ":").getBytes());
    HttpResponse<String> response =
        http.send(
            http.request("/v1/customers", null)
                .header("Authorization", "Basic " + basic)
                .GET()
                .build());

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void restrictedKeysReadButCannotWrite() {
    assertThat(http.get("/v1/customers", "rk_test_wire").statusCode()).isEqualTo(200);
    HttpResponse<String> write = http.post("/v1/customers", "rk_test_wire", "name=x");
    assertThat(write.statusCode()).isEqualTo(403);
  }

  @Test
  void unknownPathIs404UnrecognizedUrl() {
    HttpResponse<String> response = http.get("/v1/unicorns", KEY);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("Unrecognized request URL (GET: /v1/unicorns)");
  }

  @Test
  void unknownParameterIs400ParameterUnknown() {
    HttpResponse<String> response = http.post("/v1/customers", KEY, "colour=red");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .contains("\"code\":\"parameter_unknown\"")
        .contains("\"param\":\"colour\"");
  }

  @Test
  void missingObjectIs404ResourceMissing() {
    HttpResponse<String> response = http.get("/v1/customers/cus_nope", KEY);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body())
        .contains("\"code\":\"resource_missing\"")
        .contains("No such customer: 'cus_nope'");
  }

  @Test
  void invalidUtf8BodyIs400() {
    HttpResponse<String> response = http.post("/v1/customers", KEY, "name=%C3%28");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("invalid_request_error");
  }

  @Test
  void deepBracketsAre400() {
    HttpResponse<String> response =
        http.post("/v1/customers", KEY, "metadata" + "[a]".repeat(20) + "=1");

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  void bodyOverOneMegabyteIs413() {
    HttpResponse<String> response =
        http.post("/v1/customers", KEY, "description=" + "x".repeat(1_100_000));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("invalid_request_error");
  }

  @Test
  void bodyOverOneMegabyteIs413AlsoOverHttp2() throws Exception {
    java.net.http.HttpClient h2 = java.net.http.HttpClient.newHttpClient();
    HttpResponse<String> response =
        h2.send(
            http.request("/v1/customers", KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("description=" + "x".repeat(1_100_000)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(413);
  }

  @Test
  void jsonBodyIs400UnsupportedContentType() {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/customers", KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}"))
                .build());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("unsupported Content-Type");
  }

  @Test
  void absurdLimitIs400() {
    assertThat(http.get("/v1/customers?limit=100000", KEY).statusCode()).isEqualTo(400);
    assertThat(http.get("/v1/customers?limit=abc", KEY).statusCode()).isEqualTo(400);
  }

  @Test
  void expandDeeperThanFourLevelsIs400() {
    HttpResponse<String> response = http.get("/v1/customers?expand[]=data.a.b.c.d", KEY);

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  void connectedAccountsAreReachedWithStripeAccount() {
    String platform = "sk_test_platform";
    HttpResponse<String> account = http.post("/v1/accounts", platform, "type=express");
    String accountId = account.body().replaceAll(".*\"id\":\"(acct_[^\"]+)\".*", "$1");

    HttpResponse<String> created =
        http.post("/v1/customers", platform, "name=connected", "Stripe-Account", accountId);
    HttpResponse<String> ownList = http.get("/v1/customers", platform);

    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(ownList.body()).doesNotContain("connected");
    HttpResponse<String> unknown =
        http.post("/v1/customers", platform, "name=x", "Stripe-Account", "acct_nope");
    assertThat(unknown.statusCode()).isEqualTo(403);
  }
}
