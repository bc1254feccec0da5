import { describe, expect, test } from "bun:test";
import { matches } from "./fixtures.ts";

const amount = (op: string, value: unknown) => ({ attribute: "amount", op, value });
const currency = (op: string, value: unknown) => ({ attribute: "currency", op, value });

describe("comparisons with a literal", () => {
  test.each([
    [">", 999, true],
    [">", 1000, false],
    [">=", 1000, true],
    [">=", 1001, false],
    ["<", 1001, true],
    ["<", 1000, false],
    ["<=", 1000, true],
    ["<=", 999, false],
    ["==", 1000, true],
    ["==", 1001, false],
    ["!=", 1001, true],
    ["!=", 1000, false],
  ])("amount 1000 %s %p is %p", (op, value, expected) => {
    expect(matches(amount(op, value), { amount: 1000 })).toBe(expected);
  });

  test("strings compare exactly with == and !=", () => {
    expect(matches(currency("==", "USD"), { currency: "USD" })).toBe(true);
    expect(matches(currency("==", "usd"), { currency: "USD" })).toBe(false);
    expect(matches(currency("!=", "EUR"), { currency: "USD" })).toBe(true);
  });

  test("in and not_in test membership of a list", () => {
    expect(matches(currency("in", ["EUR", "USD"]), { currency: "USD" })).toBe(true);
    expect(matches(currency("in", ["EUR", "GBP"]), { currency: "USD" })).toBe(false);
    expect(matches(currency("not_in", ["EUR", "GBP"]), { currency: "USD" })).toBe(true);
    expect(matches(currency("not_in", ["USD"]), { currency: "USD" })).toBe(false);
    expect(matches(amount("in", [1, 1000]), { amount: 1000 })).toBe(true);
  });
});

describe("comparisons with another attribute", () => {
  const countries = (op: string) => ({ attribute: "card_country", op, attribute_ref: "ip_country" });

  test("compare the two values", () => {
    expect(matches(countries("!="), { card_country: "US", ip_country: "DE" })).toBe(true);
    expect(matches(countries("!="), { card_country: "US", ip_country: "US" })).toBe(false);
    expect(matches(countries("=="), { card_country: "US", ip_country: "US" })).toBe(true);
    const daily = { attribute: "amount", op: ">", attribute_ref: "amount_per_customer_daily" };
    expect(matches(daily, { amount: 500, amount_per_customer_daily: 400 })).toBe(true);
  });

  test("are false when either side is missing", () => {
    expect(matches(countries("!="), { card_country: "US" })).toBe(false);
    expect(matches(countries("!="), { ip_country: "US" })).toBe(false);
    expect(matches(countries("!="), { card_country: null, ip_country: "US" })).toBe(false);
  });
});

describe("a missing attribute", () => {
  test.each([">", ">=", "<", "<=", "==", "!="])("makes %s false", (op) => {
    expect(matches(amount(op, 1000), {})).toBe(false);
    expect(matches(amount(op, 1000), { amount: null })).toBe(false);
  });

  test("makes in and not_in false", () => {
    expect(matches(currency("in", ["USD"]), {})).toBe(false);
    expect(matches(currency("not_in", ["USD"]), {})).toBe(false);
  });

  test("makes not of a comparison true", () => {
    expect(matches({ not: currency("==", "USD") }, {})).toBe(true);
  });
});

describe("combinators", () => {
  const big = amount(">=", 1000);
  const euro = currency("==", "EUR");

  test("all needs every condition", () => {
    expect(matches({ all: [big, euro] }, { amount: 1000, currency: "EUR" })).toBe(true);
    expect(matches({ all: [big, euro] }, { amount: 1000, currency: "USD" })).toBe(false);
  });

  test("any needs one condition", () => {
    expect(matches({ any: [big, euro] }, { amount: 1, currency: "EUR" })).toBe(true);
    expect(matches({ any: [big, euro] }, { amount: 1, currency: "USD" })).toBe(false);
  });

  test("not inverts", () => {
    expect(matches({ not: big }, { amount: 1 })).toBe(true);
    expect(matches({ not: big }, { amount: 1000 })).toBe(false);
  });

  test("nest", () => {
    const when = { any: [{ all: [big, { not: euro }] }, { not: { any: [big, euro] } }] };
    expect(matches(when, { amount: 1000, currency: "USD" })).toBe(true);
    expect(matches(when, { amount: 1, currency: "USD" })).toBe(true);
    expect(matches(when, { amount: 1000, currency: "EUR" })).toBe(false);
  });
});
