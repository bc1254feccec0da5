import { describe, expect, test } from "bun:test";
import { currencyExponent, isCurrencyCode } from "../../src/core/currency.ts";
import { currencyCodes } from "../support/currency-codes.ts";

const CURRENCY_CODES = currencyCodes();

describe("currency", () => {
  test("the table lists every active ISO 4217 code once", () => {
    expect(CURRENCY_CODES.length).toBe(165);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    for (const code of CURRENCY_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  test("common currencies are known with their minor-unit exponent", () => {
    expect(currencyExponent("USD")).toBe(2);
    expect(currencyExponent("EUR")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("KRW")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
    expect(currencyExponent("BHD")).toBe(3);
    expect(currencyExponent("CLF")).toBe(4);
  });

  test("recent additions are active", () => {
    for (const code of ["XCG", "ZWG", "SLE", "VED", "XAD"]) expect(isCurrencyCode(code)).toBe(true);
  });

  test("withdrawn codes, metals and lower case are refused", () => {
    for (const code of ["ANG", "BGN", "HRK", "SLL", "ZWL", "CUC", "XAU", "XXX", "XTS", "usd", "US", "USDX", ""]) {
      expect(isCurrencyCode(code)).toBe(false);
      expect(currencyExponent(code)).toBeUndefined();
    }
  });

  test("the currency module imports no platform API", async () => {
    const source = await Bun.file(new URL("../../src/core/currency.ts", import.meta.url)).text();
    expect(source).not.toMatch(/from\s+["'](bun|node|cloudflare):/);
  });
});
