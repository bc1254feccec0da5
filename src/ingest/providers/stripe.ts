/**
 * Stripe webhooks: a Stripe event object, signed with Stripe-Signature. The payment is the
 * PaymentIntent (`pi_...`). Mapping table: README "Stripe".
 *
 * Canonical ids are derived from the Stripe object and the step (`stripe:pi_1:authorized`,
 * `stripe:re_1:refunded`), not from the `evt_` id alone, so that every Stripe event that implies
 * a step yields the same canonical event: `payment_intent.succeeded` implies the creation and
 * the authorization, and under manual capture `amount_capturable_updated` already announced
 * that authorization; `refund.created`, `refund.updated` and `charge.refunded` all describe the
 * same refund. The actor's dedupe then applies each step once, in any arrival order. The
 * `evt_` id, type and raw event are kept in the message source.
 */
import type { EventType } from "../../core/event.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import { canonicalEvent, collect, isoFromUnixSeconds, type Provenance } from "../canonical.ts";
import type { IgnoredProviderEvent, ProviderEvent, ProviderMapping, WebhookProvider } from "../provider.ts";
import { jsonAcknowledgement } from "../provider.ts";
import type { JsonLimits } from "../json-limits.ts";
import { decodeJsonBody } from "../read-body.ts";
import type { WebhookSource } from "../webhook-sources.ts";
import { isoAmount, stripeCurrency } from "./stripe-amounts.ts";
import { verifyStripeSignature } from "./stripe-signature.ts";

type Fields = Record<string, any>;

interface StripeContext {
  event: Fields;
  object: Fields;
  source: WebhookSource;
  provenance: Provenance;
}

type Step = { type: EventType; object_id: string; step: string; data: Fields };

export const stripeProvider: WebhookProvider = {
  kind: "stripe",
  verify: (request, source) =>
    verifyStripeSignature({ header: request.header("stripe-signature"), body: request.body, secrets: source.secrets, now_ms: request.now_ms, hmac: request.hmac }),
  map: (request, source) => mapStripeEvent(request.body, request.header("content-type"), source, request.json_limits),
  acknowledge: (outcome, events) => jsonAcknowledgement(outcome, events, true),
};

export function mapStripeEvent(body: Uint8Array, content_type: string | null, source: WebhookSource, json_limits?: JsonLimits): Result<ProviderMapping> {
  const json = decodeJsonBody(body, content_type, json_limits);
  if (!json.ok) return json;
  const event = json.value as Fields;
  if (!isObject(event) || event.object !== "event") return fail("invalid_event", 'body must be a Stripe event object ("object": "event")');
  if (typeof event.id !== "string" || !/^evt_\w+$/.test(event.id)) return fail("invalid_field", `id must be a Stripe event id "evt_...", got ${JSON.stringify(event.id)}`);
  if (typeof event.type !== "string" || event.type === "") return fail("invalid_field", "type must be a Stripe event type");
  if (!Number.isSafeInteger(event.created)) return fail("invalid_field", "created must be unix seconds");
  const object = event.data?.object;
  if (!isObject(object)) return fail("invalid_field", "data.object must be the Stripe object of the event");
  const context: StripeContext = {
    event,
    object,
    source,
    provenance: {
      source: source.name,
      provider: "stripe",
      provider_event_id: event.id,
      provider_event_type: event.type,
      provider_payload: new TextDecoder().decode(body),
    },
  };
  const steps = stepsOf(context);
  if (!steps.ok) return steps;
  if (!Array.isArray(steps.value)) return ok({ events: [], ignored: [steps.value] });
  const payment_id = paymentIntentOf(object);
  if (payment_id === null) return ok({ events: [], ignored: [ignored(context, "no_payment_intent", "the object names no PaymentIntent (a Charges API payment?)")] });
  const events = collect(steps.value.map((step) => canonical(context, payment_id, step)));
  if (!events.ok) return events;
  return ok({ events: events.value, ignored: [] });
}

function stepsOf(context: StripeContext): Result<Step[] | IgnoredProviderEvent> {
  const { event, object } = context;
  switch (event.type) {
    case "payment_intent.created":
      return intentSteps(context, ["created"]);
    case "payment_intent.amount_capturable_updated":
      if (!((object.amount_capturable ?? 0) > 0)) return ok(ignored(context, "nothing_capturable", "amount_capturable is 0: no authorization to record"));
      return intentSteps(context, ["created", "authorized"]);
    case "payment_intent.succeeded":
      return intentSteps(context, ["created", "authorized", "captured"]);
    case "payment_intent.payment_failed":
      return intentSteps(context, ["created", "failed"]);
    case "payment_intent.canceled":
      return intentSteps(context, ["created", "canceled"]);
    case "refund.created":
    case "refund.updated":
      return refundSteps(context, [object]);
    case "charge.refunded": {
      const refunds = object.refunds?.data;
      if (!Array.isArray(refunds) || refunds.length === 0) {
        return ok(ignored(context, "no_refund_list", "the charge carries no refunds list; each refund arrives as refund.created or refund.updated"));
      }
      return refundSteps(context, refunds);
    }
    case "charge.dispute.created":
      return disputeStep(context, "payment.dispute.opened", "opened");
    case "charge.dispute.closed":
      if (object.status === "won") return disputeStep(context, "payment.dispute.won", "won");
      if (object.status === "lost") return disputeStep(context, "payment.dispute.lost", "lost");
      return ok(ignored(context, "dispute_not_decided", `dispute closed with status ${JSON.stringify(object.status)}, neither won nor lost`));
    default:
      return ok(ignored(context, "unmapped_type", `Stripe event type ${event.type} is not mapped`));
  }
}

function intentSteps(context: StripeContext, steps: Array<"created" | "authorized" | "captured" | "failed" | "canceled">): Result<Step[]> {
  const { object } = context;
  if (typeof object.id !== "string" || !object.id.startsWith("pi_")) return fail("invalid_field", 'data.object must be a PaymentIntent ("pi_...")');
  const currency = stripeCurrency(object.currency);
  if (!currency.ok) return currency;
  const amount = isoAmount(object.amount, currency.value, "data.object.amount");
  if (!amount.ok) return amount;
  const common = {
    currency: currency.value,
    merchant_id: merchantOf(context),
    customer_id: idOf(object.customer),
    ...cardOf(object.latest_charge),
    ip: textOf(object.metadata?.ip),
    ip_country: textOf(object.metadata?.ip_country),
  };
  const result: Step[] = [];
  for (const step of steps) {
    const data: Fields = { ...common };
    if (step === "created" || step === "authorized") data.amount = amount.value;
    if (step === "failed" || step === "canceled") data.amount = undefined;
    if (step === "failed") data.reason = textOf(object.last_payment_error?.code);
    if (step === "canceled") data.reason = textOf(object.cancellation_reason);
    if (step === "captured") {
      const received = isoAmount(object.amount_received, currency.value, "data.object.amount_received");
      if (!received.ok) return received;
      const fee = feeOf(object.latest_charge, currency.value);
      if (!fee.ok) return fee;
      data.amount = received.value;
      data.fee = fee.value;
    }
    result.push({ type: `payment.${step}`, object_id: object.id, step, data });
  }
  return ok(result);
}

function refundSteps(context: StripeContext, refunds: Fields[]): Result<Step[] | IgnoredProviderEvent> {
  const steps: Step[] = [];
  const pending: string[] = [];
  for (const refund of refunds) {
    if (!isObject(refund) || typeof refund.id !== "string") return fail("invalid_field", "a refund must be an object with an id");
    if (refund.status !== "succeeded") {
      pending.push(`${refund.id} is ${refund.status}`);
      continue;
    }
    const currency = stripeCurrency(refund.currency);
    if (!currency.ok) return currency;
    // Each refund's own amount: never the charge's cumulative amount_refunded.
    const amount = isoAmount(refund.amount, currency.value, `refund ${refund.id} amount`);
    if (!amount.ok) return amount;
    steps.push({ type: "payment.refunded", object_id: refund.id, step: "refunded", data: { amount: amount.value, currency: currency.value } });
  }
  if (steps.length === 0) return ok(ignored(context, "refund_not_succeeded", `no succeeded refund: ${pending.join(", ")}`));
  return ok(steps);
}

function disputeStep(context: StripeContext, type: EventType, step: string): Result<Step[]> {
  const { object } = context;
  if (typeof object.id !== "string") return fail("invalid_field", "data.object must be a dispute with an id");
  const currency = stripeCurrency(object.currency);
  if (!currency.ok) return currency;
  const amount = isoAmount(object.amount, currency.value, "data.object.amount");
  if (!amount.ok) return amount;
  return ok([{ type, object_id: object.id, step, data: { amount: amount.value, currency: currency.value, reason: textOf(object.reason) } }]);
}

function canonical(context: StripeContext, payment_id: string, step: Step): Result<ProviderEvent> {
  return canonicalEvent(
    {
      id: `stripe:${step.object_id}:${step.step}`,
      type: step.type,
      payment_id,
      occurred_at: isoFromUnixSeconds(context.event.created),
      data: step.data,
    },
    context.provenance,
  );
}

/** The PaymentIntent of a PaymentIntent, Charge, Refund or Dispute object. */
function paymentIntentOf(object: Fields): string | null {
  if (typeof object.id === "string" && object.id.startsWith("pi_")) return object.id;
  const intent = idOf(object.payment_intent);
  return intent?.startsWith("pi_") ? intent : null;
}

/** Connect account, else metadata.merchant_id, else the source's configured merchant. */
function merchantOf(context: StripeContext): string | undefined {
  return textOf(context.event.account) ?? textOf(context.object.metadata?.merchant_id) ?? context.source.merchant_id ?? undefined;
}

/** Card attributes, when the latest charge is expanded in the payload. */
function cardOf(charge: unknown): { card?: Fields } {
  const card = isObject(charge) ? charge.payment_method_details?.card : undefined;
  if (!isObject(card)) return {};
  const country = textOf(card.country);
  return { card: { fingerprint: textOf(card.fingerprint), country: country?.toUpperCase() } };
}

/** The fee sits in the balance transaction: known only when the payload expands it. */
function feeOf(charge: unknown, currency: string): Result<number> {
  const transaction = isObject(charge) ? charge.balance_transaction : undefined;
  if (!isObject(transaction) || transaction.fee === undefined) return ok(0);
  // A balance transaction is in the settlement currency; a fee in another currency is not ours to convert.
  if (typeof transaction.currency === "string" && transaction.currency.toUpperCase() !== currency) return ok(0);
  return isoAmount(transaction.fee, currency, "latest_charge.balance_transaction.fee");
}

function ignored(context: StripeContext, reason: string, detail: string): IgnoredProviderEvent {
  return { provider_event_id: context.event.id, provider_event_type: context.event.type, reason, detail };
}

function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (isObject(value) && typeof value.id === "string") return value.id;
  return undefined;
}

function textOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
