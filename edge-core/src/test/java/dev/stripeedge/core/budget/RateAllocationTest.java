package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateAllocationTest {

  private static final double EPSILON = 1e-9;

  /** 100/s, reserve 0.1, weights 6:3:1, forecasting with a 20% margin and a reserve up to 0.5. */
  private static BudgetConfig config() {
    return BudgetConfig.live()
        .withRates(100, 25)
        .withLanes(0.1, 6, 3, 1)
        .withForecast(ForecastConfig.defaults().withEnabled(true).withReserve(0.2, 0.5));
  }

  @ParameterizedTest(name = "factor {0}: shared {1}, reserved {2}")
  @CsvSource({"1, 90, 10", "0.5, 45, 5", "0.25, 22.5, 2.5"})
  void withoutForecastingTheReserveIsTheConfiguredFraction(
      double factor, double shared, double reserved) {
    RateAllocation rates = RateAllocation.of(config(), factor, false, 1_000, 1_000);

    assertThat(rates.shared()).isCloseTo(shared, within(EPSILON));
    assertThat(rates.reserved()).isCloseTo(reserved, within(EPSILON));
    assertThat(rates.allowance()).isNaN();
  }

  @ParameterizedTest(name = "factor {0}, critical {1}/s, normal {2}/s: {3} / {4} / {5}")
  @CsvSource({
    // Critical's forecast below the configured reserve: the configured reserve holds.
    "1,   5,   10, 90, 10, 82",
    // 25/s critical + 20% = 30/s: the reserve follows it.
    "1,   25,  10, 70, 30, 58",
    // Critical forecast beyond the cap: the reserve stops at half.
    "1,   100, 0,  50, 50, 5",
    // Critical and normal leave nothing: background keeps its weighted share of the shared rate.
    "1,   25,  60, 70, 30, 7",
    // The rate cut to half: the same forecast reserves a larger part of less.
    "0.5, 25,  0,  25, 25, 20",
  })
  void underForecastingTheReserveAndAllowanceFollowTheForecast(
      double factor,
      double critical,
      double normal,
      double shared,
      double reserved,
      double allowance) {
    RateAllocation rates = RateAllocation.of(config(), factor, true, critical, normal);

    assertThat(rates.shared()).isCloseTo(shared, within(EPSILON));
    assertThat(rates.reserved()).isCloseTo(reserved, within(EPSILON));
    assertThat(rates.allowance()).isCloseTo(allowance, within(EPSILON));
  }
}
