/**
 * Checkout.com webhooks (https://www.checkout.com/docs/developer-resources/webhooks): an event
 * `{"id": "evt_...", "type": "payment_captured", "created_on": "...", "data": {"id": "pay_...",
 * "action_id": "act_...", "amount": 1000, "currency": "GBP", ...}}`, signed with `Cko-Signature`:
 * the hex HMAC-SHA256 of the raw body keyed with the webhook's secret key. The payment is
 * `data.id`. Mapping table: README "Checkout.com". Amounts are ISO 4217 minor units.
 *
 * Problem codes of verify: `missing_signature_headers`, `malformed_signature`, `signature_mismatch`.
 */
import type { EventType } from "../../core/event.ts";
import { isRfc3339 } from "../../core/event-parse.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import { canonicalEvent, collect, type Provenance } from "../canonical.ts";
import { equalConstantTime, hexDecode, hmacSha256, utf8 } from "../hmac.ts";
import type { ProviderMapping, WebhookProvider } from "../provider.ts";
import { jsonAcknowledgement } from "../provider.ts";
import type { JsonLimits } from "../json-limits.ts";
import { decodeJsonBody } from "../read-body.ts";
import type { WebhookSource } from "../webhook-sources.ts";

type Fields = Record<string, any>;

/** Checkout.com type → the canonical events it yields, in order. */
const CHECKOUT_MAPPING: Readonly<Record<string, ReadonlyArray<{ type: EventType; id: "event" | "action" | "created" }>>> = {
  payment_approved: [{ type: "payment.authorized", id: "event" }],
  payment_captured: [{ type: "payment.captured", id: "action" }],
  payment_declined: [
    { type: "payment.created", id: "created" },
    { type: "payment.failed", id: "event" },
  ],
  payment_voided: [{ type: "payment.canceled", id: "event" }],
  payment_refunded: [{ type: "payment.refunded", id: "action" }],
};

export const checkoutProvider: WebhookProvider = {
  kind: "checkout",
  async verify(request, source) {
    const header = request.header("cko-signature");
    if (header === null || header === "") return fail("missing_signature_headers", "the Cko-Signature header is required");
    const mac = hexDecode(header.trim());
    if (mac === undefined || mac.length !== 32) return fail("malformed_signature", "Cko-Signature must be a hex HMAC-SHA256");
    for (const secret of source.secrets) {
      if (equalConstantTime(mac, await hmacSha256(utf8(secret), request.body, request.hmac))) return ok(undefined);
    }
    return fail("signature_mismatch", "Cko-Signature matches no secret of this source");
  },
  map: (request, source) => mapCheckoutEvent(request.body, request.header("content-type"), source, request.json_limits),
  acknowledge: (outcome, events) => jsonAcknowledgement(outcome, events, true),
};

export function mapCheckoutEvent(body: Uint8Array, content_type: string | null, source: WebhookSource, json_limits?: JsonLimits): Result<ProviderMapping> {
  const json = decodeJsonBody(body, content_type, json_limits);
  if (!json.ok) return json;
  const event = json.value as Fields;
  if (!isObject(event) || typeof event.id !== "string" || event.id === "") return fail("invalid_event", "body must be a Checkout.com event with an id");
  if (typeof event.type !== "string" || event.type === "") return fail("invalid_field", "type must be a Checkout.com event type");
  const rules = Object.hasOwn(CHECKOUT_MAPPING, event.type) ? CHECKOUT_MAPPING[event.type]! : undefined;
  if (rules === undefined) {
    return ok({ events: [], ignored: [{ provider_event_id: event.id, provider_event_type: event.type, reason: "unmapped_type", detail: `Checkout.com event type ${event.type} is not mapped` }] });
  }
  const data = event.data;
  if (!isObject(data) || typeof data.id !== "string" || data.id === "") return fail("missing_field", "data.id (the payment) is required");
  if (typeof event.created_on !== "string" || !isRfc3339(event.created_on)) return fail("invalid_field", "created_on must be an RFC 3339 timestamp");
  const provenance: Provenance = {
    source: source.name,
    provider: "checkout",
    provider_event_id: event.id,
    provider_event_type: event.type,
    provider_payload: new TextDecoder().decode(body),
  };
  const money = { amount: data.amount === 0 ? undefined : data.amount, currency: data.currency };
  const attributes = {
    merchant_id: textOf(data.metadata?.merchant_id) ?? source.merchant_id ?? undefined,
    customer_id: textOf(data.customer?.id),
    card: isObject(data.source) ? { fingerprint: textOf(data.source.fingerprint), country: textOf(data.source.issuer_country) } : undefined,
  };
  const ids = { event: `checkout:${event.id}`, action: `checkout:${data.action_id ?? event.id}`, created: `checkout:${data.id}:created` };
  const events = collect(
    rules.map((rule) =>
      canonicalEvent(
        {
          id: ids[rule.id],
          type: rule.type,
          payment_id: data.id,
          occurred_at: event.created_on,
          data: {
            ...attributes,
            ...money,
            ...(rule.type === "payment.failed" || rule.type === "payment.canceled" ? { amount: undefined } : {}),
            ...(rule.type === "payment.captured" ? { fee: 0 } : {}),
          },
        },
        provenance,
      ),
    ),
  );
  if (!events.ok) return events;
  return ok({ events: events.value, ignored: [] });
}

function textOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
