/** CloudEvents on standard sources: structured mode and binary mode carry a canonical event; batched mode is 415. */
import { describe, expect, test } from "bun:test";
import { parseStandardBody } from "../../src/ingest/cloudevents.ts";

const EVENT = { id: "evt_ce_1", type: "payment.created", payment_id: "pay_ce", occurred_at: "2026-11-21T10:00:00Z", data: { amount: 100, currency: "USD", merchant_id: "m_1" } };
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const headers = (values: Record<string, string>) => (name: string) => values[name] ?? null;
const envelope = (extra: Record<string, unknown> = {}) => ({ specversion: "1.0", id: "ce-1", source: "/billing", type: "com.example.payment", datacontenttype: "application/json", data: EVENT, ...extra });

describe("CloudEvents on standard sources", () => {
  test("structured mode: the envelope's data is the canonical event", () => {
    expect(parseStandardBody(bytes(envelope()), headers({ "content-type": "application/cloudevents+json; charset=utf-8" }))).toEqual({ ok: true, value: EVENT as never });
  });

  test("binary mode: ce-* headers and the canonical event as the JSON body", () => {
    const ce = { "content-type": "application/json", "ce-specversion": "1.0", "ce-id": "ce-1", "ce-source": "/billing", "ce-type": "com.example.payment" };
    expect(parseStandardBody(bytes(EVENT), headers(ce))).toEqual({ ok: true, value: EVENT as never });
    const { "ce-source": _, ...without_source } = ce;
    expect(parseStandardBody(bytes(EVENT), headers(without_source))).toMatchObject({ ok: false, error: { code: "invalid_cloudevent", message: "CloudEvents binary mode requires the ce-source header" } });
    expect(parseStandardBody(bytes(EVENT), headers({ ...ce, "ce-specversion": "0.3" }))).toMatchObject({ ok: false, error: { code: "invalid_cloudevent" } });
  });

  test("batched mode is an unsupported content type", () => {
    const result = parseStandardBody(bytes([envelope()]), headers({ "content-type": "application/cloudevents-batch+json" }));
    expect(result).toMatchObject({ ok: false, error: { code: "unsupported_content_type" } });
    expect(!result.ok && result.error.message).toContain("batched mode");
  });

  test.each([
    [{ specversion: "0.3" }, "invalid_cloudevent"],
    [{ id: undefined }, "invalid_cloudevent"],
    [{ source: "" }, "invalid_cloudevent"],
    [{ data: undefined }, "invalid_cloudevent"],
    [{ datacontenttype: "application/xml" }, "unsupported_content_type"],
    [{ data: undefined, data_base64: "e30=" }, "unsupported_content_type"],
    [{ data: { ...EVENT, type: "payment.teleported" } }, "unknown_event_type"],
  ])("a structured envelope with %j is refused with %s", (change, code) => {
    expect(parseStandardBody(bytes(envelope(change)), headers({ "content-type": "application/cloudevents+json" }))).toMatchObject({ ok: false, error: { code } });
  });
});
