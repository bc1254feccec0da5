import { describe, expect, test } from "bun:test";
import { assessFraud } from "../../src/core/fraud/assess-fraud.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import { describeRules } from "../../src/core/fraud/describe-rules.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import { paymentEvent, rules } from "./fixtures.ts";

const HOUR_MS = 60 * 60 * 1000;
const T0_MS = Date.UTC(2026, 10, 21, 10, 0, 0);

test("the defaults are valid JSON rules that parse to themselves", () => {
  const json = JSON.parse(JSON.stringify(DEFAULT_FRAUD_RULES));
  expect(rules(json)).toEqual(DEFAULT_FRAUD_RULES);
});

test("describeRules gives one line per default rule", () => {
  expect(describeRules(DEFAULT_FRAUD_RULES)).toBe(
    [
      "card_testing_cards_per_ip: block when cards_per_ip_hourly > 10",
      "card_testing_payments_per_card: block when payments_per_card_hourly > 20",
      "large_amount: review when amount >= 1000000",
      "card_country_not_ip_country: review when card_country != ip_country",
    ].join("\n"),
  );
});

describe("card testing from one IP", () => {
  const cardFromIp = (index: number) => paymentEvent({ card: { fingerprint: `fp_${index}`, country: "US" } }, `pay_${index}`);

  test("10 distinct cards within an hour are allowed, the 11th is blocked", async () => {
    const store = new MemoryVelocityStore();
    for (let index = 1; index <= 10; index += 1) {
      const outcome = await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(index), T0_MS + index);
      expect(outcome.decision).toBe("allow");
    }
    const eleventh = await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(11), T0_MS + 11);
    expect(eleventh).toMatchObject({ decision: "block", rules_fired: ["card_testing_cards_per_ip"] });
    expect(eleventh.attributes.cards_per_ip_hourly).toBe(11);
  });

  test("evaluating the same payment again does not count it twice", async () => {
    const store = new MemoryVelocityStore();
    for (let index = 1; index <= 10; index += 1) await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(index), T0_MS);
    const retried = await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(10), T0_MS + 1);
    expect(retried).toMatchObject({ decision: "allow", attributes: { cards_per_ip_hourly: 10, payments_per_ip_hourly: 10 } });
  });

  test("blocked attempts keep counting", async () => {
    const store = new MemoryVelocityStore();
    for (let index = 1; index <= 11; index += 1) await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(index), T0_MS);
    const twelfth = await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(12), T0_MS);
    expect(twelfth.attributes.cards_per_ip_hourly).toBe(12);
  });

  test("cards older than an hour no longer count", async () => {
    const store = new MemoryVelocityStore();
    for (let index = 1; index <= 10; index += 1) await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(index), T0_MS);
    const later = await assessFraud(DEFAULT_FRAUD_RULES, store, cardFromIp(11), T0_MS + HOUR_MS);
    expect(later).toMatchObject({ decision: "allow", attributes: { cards_per_ip_hourly: 1 } });
  });
});

describe("payments on one card", () => {
  test("20 payments within an hour are allowed, the 21st is blocked", async () => {
    const store = new MemoryVelocityStore();
    for (let index = 1; index <= 20; index += 1) {
      const outcome = await assessFraud(DEFAULT_FRAUD_RULES, store, paymentEvent({}, `pay_${index}`), T0_MS + index);
      expect(outcome.decision).toBe("allow");
    }
    const outcome = await assessFraud(DEFAULT_FRAUD_RULES, store, paymentEvent({}, "pay_21"), T0_MS + 21);
    expect(outcome).toMatchObject({ decision: "block", rules_fired: ["card_testing_payments_per_card"] });
  });
});

describe("review", () => {
  const assess = (data: Parameters<typeof paymentEvent>[0]) => assessFraud(DEFAULT_FRAUD_RULES, new MemoryVelocityStore(), paymentEvent(data), T0_MS);

  test("an amount of 1,000,000 minor units or more", async () => {
    expect(await assess({ amount: 1_000_000 })).toMatchObject({ decision: "review", rules_fired: ["large_amount"] });
    expect((await assess({ amount: 999_999 })).decision).toBe("allow");
  });

  test("a card country unlike the IP country", async () => {
    const outcome = await assess({ card: { fingerprint: "fp", country: "US" }, ip_country: "NG" });
    expect(outcome).toMatchObject({ decision: "review", rules_fired: ["card_country_not_ip_country"] });
  });

  test("not when either country is missing", async () => {
    expect((await assess({ card: { fingerprint: "fp" }, ip_country: "NG" })).decision).toBe("allow");
    expect((await assess({ ip_country: undefined })).decision).toBe("allow");
  });
});
