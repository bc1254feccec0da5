/**
 * Adyen standard notification webhooks: `{"live": "...", "notificationItems":
 * [{"NotificationRequestItem": {...}}, ...]}`, several items per request, possibly for
 * different payments. The payment is the original pspReference (`originalReference` on
 * modifications). Mapping table: README "Adyen".
 *
 * Adyen has no event id: an item's canonical id is `adyen:<pspReference>:<eventCode>:<success>`.
 * Events an item implies get ids derived from the payment (`adyen:<payment>:created`,
 * `adyen:<payment>:dispute.opened`), so that NOTIFICATION_OF_CHARGEBACK and a later CHARGEBACK
 * open one dispute, not two.
 *
 * All or nothing: `verify` checks every item's HMAC and `map` every item's payload before the
 * route accepts any of them, so a batch with one bad item writes nothing. Acceptance itself
 * is idempotent, so if it fails part-way the batch is answered with an error and Adyen's
 * retry of the whole batch turns the items already durable into duplicates.
 */
import type { EventType } from "../../core/event.ts";
import { isRfc3339 } from "../../core/event-parse.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import { canonicalEvent, type Provenance } from "../canonical.ts";
import type { IgnoredProviderEvent, ProviderEvent, ProviderMapping, ProviderRequest, WebhookProvider } from "../provider.ts";
import { decodeJsonBody } from "../read-body.ts";
import type { WebhookSource } from "../webhook-sources.ts";
import { verifyAdyenItem, verifyBasicAuth } from "./adyen-signature.ts";

type Fields = Record<string, any>;

export const adyenProvider: WebhookProvider = {
  kind: "adyen",
  async verify(request, source) {
    if (source.basic_auth !== null) {
      const auth = verifyBasicAuth(request.header("authorization"), source.basic_auth);
      if (!auth.ok) return auth;
    }
    // An unreadable body cannot be verified; map() reports what is wrong with it (400).
    const items = adyenItems(request);
    if (!items.ok) return ok(undefined);
    for (const [index, item] of items.value.entries()) {
      const verified = await verifyAdyenItem(item, index, source.secrets, request.hmac);
      if (!verified.ok) return verified;
    }
    return ok(undefined);
  },
  map(request, source) {
    const items = adyenItems(request);
    if (!items.ok) return items;
    const mapping: ProviderMapping = { events: [], ignored: [] };
    for (const [index, item] of items.value.entries()) {
      const mapped = mapAdyenItem(item, index, source);
      if (!mapped.ok) return mapped;
      mapping.events.push(...mapped.value.events);
      mapping.ignored.push(...mapped.value.ignored);
    }
    return ok(mapping);
  },
  acknowledge: () => ({ status: 200, content_type: "text/plain", body: "[accepted]" }),
};

function adyenItems(request: ProviderRequest): Result<Fields[]> {
  const json = decodeJsonBody(request.body, request.header("content-type"), request.json_limits);
  if (!json.ok) return json;
  const body = json.value as Fields;
  if (!isObject(body) || !Array.isArray(body.notificationItems) || body.notificationItems.length === 0) {
    return fail("invalid_event", "body must be an Adyen notification: {\"notificationItems\": [{\"NotificationRequestItem\": {...}}, ...]}");
  }
  const items: Fields[] = [];
  for (const [index, wrapper] of (body.notificationItems as unknown[]).entries()) {
    const item = isObject(wrapper) ? wrapper.NotificationRequestItem : undefined;
    if (!isObject(item)) return fail("invalid_event", `notificationItems[${index}] must be {"NotificationRequestItem": {...}}`);
    items.push(item);
  }
  return ok(items);
}

export function mapAdyenItem(item: Fields, index: number, source: WebhookSource): Result<ProviderMapping> {
  const where = `notificationItems[${index}]`;
  for (const field of ["pspReference", "eventCode", "merchantAccountCode"] as const) {
    if (typeof item[field] !== "string" || item[field] === "") return fail("missing_field", `${where}.${field} is required`);
  }
  if (item.success !== "true" && item.success !== "false") return fail("invalid_field", `${where}.success must be "true" or "false"`);
  if (typeof item.eventDate !== "string" || !isRfc3339(item.eventDate)) return fail("invalid_field", `${where}.eventDate must be an RFC 3339 timestamp`);
  const success = item.success === "true";
  const code: string = item.eventCode;
  const psp: string = item.pspReference;
  const payment_id: string = typeof item.originalReference === "string" && item.originalReference !== "" ? item.originalReference : psp;
  const provenance: Provenance = {
    source: source.name,
    provider: "adyen",
    provider_event_id: `${psp}:${code}:${item.success}`,
    provider_event_type: code,
    provider_payload: JSON.stringify(item),
  };
  const own_id = `adyen:${psp}:${code}:${item.success}`;
  const ignore = (reason: string, detail: string): Result<ProviderMapping> =>
    ok({ events: [], ignored: [{ provider_event_id: provenance.provider_event_id, provider_event_type: code, reason, detail } satisfies IgnoredProviderEvent] });
  const data = {
    amount: item.amount?.value === 0 ? undefined : item.amount?.value,
    currency: item.amount?.currency,
    merchant_id: item.merchantAccountCode,
    reason: typeof item.reason === "string" && item.reason !== "" ? item.reason : undefined,
  };
  const attributes = fraudAttributes(item.additionalData);
  const event = (id: string, type: EventType, fields: Fields = {}): Result<ProviderEvent> =>
    canonicalEvent({ id, type, payment_id, occurred_at: item.eventDate, data: { ...data, ...fields } }, provenance);
  const events = (...results: Array<Result<ProviderEvent>>): Result<ProviderMapping> => {
    const list: ProviderEvent[] = [];
    for (const result of results) {
      if (!result.ok) return fail(result.error.code, `${where}: ${result.error.message}`);
      list.push(result.value);
    }
    return ok({ events: list, ignored: [] });
  };
  const refused = () => ignore("not_successful", `${code} with success "false": nothing happened to the payment`);

  switch (code) {
    case "AUTHORISATION":
      if (success) return events(event(own_id, "payment.authorized", attributes));
      // A refused authorisation is the payment's first and last event: created, then failed.
      return events(event(`adyen:${payment_id}:created`, "payment.created", attributes), event(own_id, "payment.failed", { amount: undefined }));
    case "CAPTURE":
      return success ? events(event(own_id, "payment.captured", { fee: 0 })) : refused();
    case "CAPTURE_FAILED":
      // The capture was applied when CAPTURE arrived; failed cannot follow captured, so this
      // dead-letters as an invalid transition: an operator reconciles it from the DLQ.
      return events(event(own_id, "payment.failed", { amount: undefined }));
    case "CANCELLATION":
      return success ? events(event(own_id, "payment.canceled", { amount: undefined })) : refused();
    case "CANCEL_OR_REFUND": {
      if (!success) return refused();
      const action = item.additionalData?.["modification.action"];
      if (action === "cancel") return events(event(own_id, "payment.canceled", { amount: undefined }));
      if (action === "refund") return events(event(own_id, "payment.refunded"));
      return ignore("unknown_modification", `CANCEL_OR_REFUND without additionalData["modification.action"] "cancel" or "refund" (got ${JSON.stringify(action)})`);
    }
    case "REFUND":
      return success ? events(event(own_id, "payment.refunded")) : refused();
    case "REFUND_FAILED":
      return ignore("no_canonical_reversal", "REFUND_FAILED: the canonical model has no event that reverses a refund; reconcile this payment by hand");
    case "NOTIFICATION_OF_CHARGEBACK":
      return events(event(`adyen:${payment_id}:dispute.opened`, "payment.dispute.opened"));
    case "CHARGEBACK":
      // A chargeback may come without a notification first: it opens the dispute (once) and loses it.
      return events(event(`adyen:${payment_id}:dispute.opened`, "payment.dispute.opened"), event(own_id, "payment.dispute.lost"));
    case "CHARGEBACK_REVERSED":
      return events(event(own_id, "payment.dispute.won"));
    default:
      return ignore("unmapped_type", `Adyen eventCode ${code} is not mapped`);
  }
}

/** additionalData fields Adyen includes when the merchant enables them in its webhook settings. */
function fraudAttributes(additional: unknown): Fields {
  if (!isObject(additional)) return {};
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const country = text(additional.issuerCountry ?? additional.cardIssuingCountry);
  const fingerprint = text(additional.alias);
  return {
    customer_id: text(additional.shopperReference),
    ip: text(additional.shopperIP),
    card: country !== undefined || fingerprint !== undefined ? { fingerprint, country } : undefined,
  };
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
