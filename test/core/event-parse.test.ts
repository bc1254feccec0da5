import { describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../../src/core/event.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import { parseEvent } from "../../src/core/event-parse.ts";

type Json = Record<string, unknown>;

function captured(overrides: Json = {}, data: Json = {}): Json {
  return {
    id: "evt_1",
    type: "payment.captured",
    payment_id: "pay_123",
    sequence: 3,
    occurred_at: "2026-11-21T10:00:00Z",
    data: { amount: 1999, currency: "USD", fee: 59, ...data },
    ...overrides,
  };
}

function withData(type: string, data: Json): Json {
  return { id: "evt_1", type, payment_id: "pay_1", occurred_at: "2026-11-21T10:00:00Z", data };
}

function problem(input: unknown): { code: string; message: string } {
  const result = parseEvent(input);
  if (result.ok) throw new Error(`expected a problem, parsed ${JSON.stringify(result.value)}`);
  return result.error;
}

function accepts(input: unknown): void {
  const result = parseEvent(input);
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
}

describe("parseEvent: the envelope", () => {
  test("a full canonical event parses to the same event", () => {
    const input: PaymentEvent = {
      id: "evt_01J",
      type: "payment.authorized",
      payment_id: "pay_123",
      sequence: 1,
      occurred_at: "2026-11-21T10:00:00Z",
      data: {
        amount: 1999,
        currency: "USD",
        merchant_id: "m_1",
        customer_id: "c_9",
        card: { fingerprint: "fp_abc", country: "US" },
        ip: "203.0.113.7",
        ip_country: "US",
      },
    };
    const result = parseEvent(input);
    expect(result).toEqual({ ok: true, value: input });
  });

  test("the returned event is a copy, not the input object", () => {
    const input = captured();
    const result = parseEvent(input);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).not.toBe(input);
    expect(result.value.data).not.toBe(input.data);
  });

  test("anything but a JSON object is an invalid event", () => {
    for (const input of [null, undefined, 42, "evt", [], [captured()], true]) {
      expect(problem(input).code).toBe("invalid_event");
    }
  });

  test("a missing id is a missing field", () => {
    const { id: _, ...input } = captured();
    expect(problem(input)).toEqual({ code: "missing_field", message: "id is required" });
  });

  test("an id must be printable ASCII of 1 to 200 characters without spaces", () => {
    accepts(captured({ id: "x".repeat(200) }));
    accepts(captured({ id: "evt:1/2#3~!" }));
    for (const id of ["", "evt 1", "x".repeat(201), "évt", "evt\n", 7, null]) {
      const found = problem(captured({ id }));
      expect(found.code).toBe("invalid_field");
      expect(found.message).toStartWith("id must be");
    }
  });

  test("every event type is accepted", () => {
    for (const type of EVENT_TYPES) {
      accepts(withData(type, { amount: 100, currency: "EUR", merchant_id: "m_1", ...(type === "payment.captured" ? { fee: 0 } : {}) }));
    }
  });

  test("an unknown or missing type is refused", () => {
    expect(problem(captured({ type: "payment.exploded" })).code).toBe("unknown_event_type");
    expect(problem(captured({ type: "PAYMENT.CAPTURED" })).code).toBe("unknown_event_type");
    expect(problem(captured({ type: 3 })).code).toBe("unknown_event_type");
    expect(problem(captured({ type: undefined }))).toEqual({ code: "missing_field", message: "type is required" });
  });

  test("a payment id allows letters, digits and _-.: up to 200 characters", () => {
    accepts(captured({ payment_id: "psp:pay_1-2.3" }));
    accepts(captured({ payment_id: "p".repeat(200) }));
    for (const payment_id of ["", "pay/1", "pay 1", "p".repeat(201), 12]) {
      const found = problem(captured({ payment_id }));
      expect(found.code).toBe("invalid_field");
      expect(found.message).toStartWith("payment_id must be");
    }
    expect(problem(captured({ payment_id: undefined })).code).toBe("missing_field");
  });

  test("a sequence is optional and, when present, a safe integer of at least 1", () => {
    const { sequence: _, ...unsequenced } = captured();
    const result = parseEvent(unsequenced);
    expect(result.ok && !("sequence" in result.value)).toBe(true);
    accepts(captured({ sequence: 1 }));
    accepts(captured({ sequence: Number.MAX_SAFE_INTEGER }));
    for (const sequence of [0, -1, 1.5, "3", null, 2 ** 53]) {
      const found = problem(captured({ sequence }));
      expect(found.code).toBe("invalid_field");
      expect(found.message).toStartWith("sequence must be");
    }
  });

  test("occurred_at accepts RFC 3339 timestamps with Z or an offset", () => {
    for (const occurred_at of [
      "2026-11-21T10:00:00Z",
      "2026-11-21T10:00:00.123Z",
      "2026-11-21T10:00:00.123456789Z",
      "2026-11-21T10:00:00+05:30",
      "2026-11-21T10:00:00-08:00",
      "2026-11-21t10:00:00z",
      "2024-02-29T23:59:59Z",
    ]) {
      accepts(captured({ occurred_at }));
    }
  });

  test("occurred_at refuses dates without a zone, impossible dates and other formats", () => {
    for (const occurred_at of [
      "2026-11-21T10:00:00",
      "2026-11-21",
      "2026-11-21 10:00:00Z",
      "Sat, 21 Nov 2026 10:00:00 GMT",
      "2026-02-30T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-11-21T24:00:00Z",
      "2026-11-21T10:60:00Z",
      "2016-12-31T23:59:60Z",
      "2026-11-21T10:00:00+24:00",
      "2026-11-21T10:00:00+0530",
      "2026-11-21T10:00Z",
      "1795255200",
      1795255200000,
    ]) {
      const found = problem(captured({ occurred_at }));
      expect(found.code).toBe("invalid_field");
      expect(found.message).toStartWith("occurred_at must be an RFC 3339 timestamp");
    }
    expect(problem(captured({ occurred_at: undefined })).code).toBe("missing_field");
  });

  test("data must be an object and is required", () => {
    expect(problem(captured({ data: undefined }))).toEqual({ code: "missing_field", message: "data is required" });
    for (const data of [null, [], "x", 1]) expect(problem(captured({ data })).code).toBe("invalid_field");
    accepts(withData("payment.failed", {}));
    accepts(withData("payment.canceled", {}));
  });

  test("unknown fields are kept in data and dropped at the top level", () => {
    const result = parseEvent(captured({ extra: 1 }, { psp_reference: "abc", nested: { a: 1 } }));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.data.psp_reference).toBe("abc");
    expect(result.value.data.nested).toEqual({ a: 1 });
    expect("extra" in result.value).toBe(false);
  });
});

describe("parseEvent: amounts and currency", () => {
  test("a negative amount is refused with the field path and the value", () => {
    expect(problem(captured({}, { amount: -5 }))).toEqual({
      code: "invalid_amount",
      message: "data.amount must be a positive integer number of minor units, got -5 (negative)",
    });
  });

  test("zero, fractional, too large and non-number amounts are refused and say why", () => {
    expect(problem(captured({}, { amount: 0 })).message).toEndWith("got 0 (zero)");
    expect(problem(captured({}, { amount: 19.99 })).message).toEndWith("got 19.99 (fractional)");
    expect(problem(captured({}, { amount: 2 ** 53 })).message).toContain("too large");
    expect(problem(captured({}, { amount: 1e300 })).message).toContain("too large");
    expect(problem(captured({}, { amount: "1999" }))).toEqual({
      code: "invalid_amount",
      message: 'data.amount must be a positive integer number of minor units, got "1999"',
    });
    expect(problem(captured({}, { amount: null })).code).toBe("invalid_amount");
  });

  test("the largest safe integer is a valid amount", () => {
    accepts(captured({}, { amount: Number.MAX_SAFE_INTEGER }));
  });

  test("amount and currency are required where money moves", () => {
    for (const type of ["payment.created", "payment.authorized", "payment.captured", "payment.refunded", "payment.dispute.opened", "payment.dispute.won", "payment.dispute.lost"]) {
      expect(problem(withData(type, { currency: "USD", merchant_id: "m_1" }))).toEqual({
        code: "missing_field",
        message: `data.amount is required on ${type}`,
      });
      expect(problem(withData(type, { amount: 1, merchant_id: "m_1" })).message).toBe(`data.currency is required on ${type}`);
    }
  });

  test("amount and currency are optional but validated on failed and canceled", () => {
    accepts(withData("payment.failed", { amount: 100, currency: "USD" }));
    expect(problem(withData("payment.failed", { amount: -1 })).code).toBe("invalid_amount");
    expect(problem(withData("payment.canceled", { currency: "usd" })).code).toBe("invalid_currency");
  });

  test("a currency must be an upper-case active ISO 4217 code", () => {
    accepts(captured({}, { currency: "JPY" }));
    accepts(captured({}, { currency: "KWD" }));
    for (const currency of ["usd", "US", "DOLLAR", "XXX", "HRK", 840, null]) {
      const found = problem(captured({}, { currency }));
      expect(found.code).toBe("invalid_currency");
      expect(found.message).toStartWith("data.currency must be");
    }
  });

  test("a fee is accepted on capture from zero up to the amount", () => {
    accepts(captured({}, { fee: 0 }));
    accepts(captured({}, { fee: 1999 }));
    const { fee: _, ...withoutFee } = captured().data as Json;
    accepts(captured({ data: withoutFee }));
  });

  test("a fee above the amount, negative or fractional is invalid", () => {
    expect(problem(captured({}, { fee: 2000 }))).toEqual({
      code: "invalid_fee",
      message: "data.fee must not exceed data.amount (1999), got 2000",
    });
    expect(problem(captured({}, { fee: -1 })).code).toBe("invalid_fee");
    expect(problem(captured({}, { fee: 1.5 })).code).toBe("invalid_fee");
    expect(problem(captured({}, { fee: "59" })).code).toBe("invalid_fee");
  });

  test("a fee on any other event type is an unexpected field", () => {
    expect(problem(withData("payment.refunded", { amount: 10, currency: "USD", fee: 1 }))).toEqual({
      code: "unexpected_field",
      message: "data.fee is allowed only on payment.captured, not on payment.refunded",
    });
    expect(problem(withData("payment.failed", { fee: 0 })).code).toBe("unexpected_field");
  });
});

describe("parseEvent: parties, card and network", () => {
  test("a merchant id is required on created and authorized", () => {
    for (const type of ["payment.created", "payment.authorized"]) {
      expect(problem(withData(type, { amount: 1, currency: "USD" }))).toEqual({
        code: "missing_field",
        message: `data.merchant_id is required on ${type}`,
      });
    }
    accepts(withData("payment.refunded", { amount: 1, currency: "USD" }));
  });

  test("merchant, customer and ip strings hold 1 to 200 characters", () => {
    for (const field of ["merchant_id", "customer_id", "ip"]) {
      for (const value of ["", "x".repeat(201), 5, null]) {
        const found = problem(captured({}, { [field]: value }));
        expect(found.code).toBe("invalid_field");
        expect(found.message).toStartWith(`data.${field} must be a string of 1 to 200 characters`);
      }
    }
    accepts(captured({}, { merchant_id: "m".repeat(200), customer_id: "c_9" }));
  });

  test("an ip must be IPv4 or IPv6", () => {
    for (const ip of ["203.0.113.7", "0.0.0.0", "2001:db8::1", "::1", "::", "::ffff:192.0.2.1", "fe80:0:0:0:0:0:0:1"]) {
      accepts(captured({}, { ip }));
    }
    for (const ip of ["256.1.1.1", "1.2.3", "01.2.3.4", "example.com", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "1.2.3.4::", "2001:db8::g"]) {
      const found = problem(captured({}, { ip }));
      expect(found.code).toBe("invalid_field");
      expect(found.message).toStartWith("data.ip must be an IPv4 or IPv6 address");
    }
  });

  test("countries are two upper-case letters", () => {
    accepts(captured({}, { ip_country: "DE", card: { country: "FR" } }));
    for (const country of ["us", "USA", "U", "1A"]) {
      expect(problem(captured({}, { ip_country: country })).message).toStartWith("data.ip_country must be two upper-case letters");
      expect(problem(captured({}, { card: { country } })).message).toStartWith("data.card.country must be two upper-case letters");
    }
  });

  test("a card is an optional object with an optional fingerprint, and unknown card fields are kept", () => {
    accepts(captured({}, { card: {} }));
    const result = parseEvent(captured({}, { card: { fingerprint: "fp_1", brand: "visa" } }));
    expect(result.ok && (result.value.data.card as unknown)).toEqual({ fingerprint: "fp_1", brand: "visa" });
    expect(problem(captured({}, { card: "fp_1" })).message).toStartWith("data.card must be a JSON object");
    expect(problem(captured({}, { card: { fingerprint: "" } })).message).toStartWith("data.card.fingerprint must be a string");
    expect(problem(captured({}, { card: { fingerprint: "f".repeat(201) } })).code).toBe("invalid_field");
  });

  test("the first problem found is the one reported", () => {
    expect(problem(captured({ id: "", type: "nope" }, { amount: -1 })).message).toStartWith("id must be");
    expect(problem(captured({}, { amount: -1, currency: "usd" })).code).toBe("invalid_amount");
  });
});

test("the event parser imports no platform API and reads no clock", async () => {
  const source = await Bun.file(new URL("../../src/core/event-parse.ts", import.meta.url)).text();
  expect(source).not.toMatch(/from\s+["'](bun|node|cloudflare):/);
  expect(source).not.toMatch(/Date\.now|new Date\(/);
});
