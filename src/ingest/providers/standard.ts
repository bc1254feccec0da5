/**
 * Standard sources: Standard Webhooks signatures, the canonical event as the body, plain or as
 * a CloudEvent (src/ingest/cloudevents.ts). One request is exactly one event.
 */
import { ok } from "../../core/result.ts";
import { parseStandardBody } from "../cloudevents.ts";
import { jsonAcknowledgement, type WebhookProvider } from "../provider.ts";
import { verifyWebhook } from "../standard-webhooks.ts";

export const standardProvider: WebhookProvider = {
  kind: "standard",
  verify: (request, source) =>
    verifyWebhook({
      id: request.header("webhook-id"),
      timestamp: request.header("webhook-timestamp"),
      signature: request.header("webhook-signature"),
      body: request.body,
      secrets: source.secrets,
      now_ms: request.now_ms,
      hmac: request.hmac,
    }),
  map(request, source) {
    const event = parseStandardBody(request.body, request.header, request.json_limits);
    if (!event.ok) return event;
    return ok({
      events: [{ event: event.value, source: { kind: "webhook", source: source.name, webhook_id: request.header("webhook-id")! } }],
      ignored: [],
    });
  },
  acknowledge: (outcome, events) => jsonAcknowledgement(outcome, events, false),
};
