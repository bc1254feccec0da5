/**
 * CloudEvents 1.0 over HTTP (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md)
 * on standard sources, whose `data` is one canonical event:
 *
 * - structured mode: `Content-Type: application/cloudevents+json`, the envelope is the body;
 * - binary mode: `ce-specversion`, `ce-id`, `ce-source`, `ce-type` headers, the canonical event
 *   is the `application/json` body;
 * - batched mode (`application/cloudevents-batch+json`) is refused with 415: one request is
 *   one acknowledgement of one event here.
 *
 * Problem codes: `unsupported_content_type`, `invalid_cloudevent`, and those of decodeJsonBody
 * and parseEvent.
 */
import type { PaymentEvent } from "../core/event.ts";
import { parseEvent } from "../core/event-parse.ts";
import { fail, type Result } from "../core/result.ts";
import type { JsonLimits } from "./json-limits.ts";
import { decodeJsonBody, parseEventBody } from "./read-body.ts";

const STRUCTURED = /^\s*application\/cloudevents\+json\s*(;|$)/i;
const BATCHED = /^\s*application\/cloudevents-batch\+json\s*(;|$)/i;
const REQUIRED_ATTRIBUTES = ["id", "source", "type"] as const;

export function parseStandardBody(body: Uint8Array, header: (name: string) => string | null, json_limits?: JsonLimits): Result<PaymentEvent> {
  const content_type = header("content-type");
  if (content_type !== null && BATCHED.test(content_type)) {
    return fail("unsupported_content_type", "CloudEvents batched mode (application/cloudevents-batch+json) is not supported: send one event per request, in structured or binary mode");
  }
  if (content_type !== null && STRUCTURED.test(content_type)) return parseStructured(body, content_type, json_limits);
  const specversion = header("ce-specversion");
  if (specversion !== null) {
    if (specversion !== "1.0") return fail("invalid_cloudevent", `ce-specversion must be "1.0", got ${JSON.stringify(specversion.slice(0, 20))}`);
    for (const attribute of REQUIRED_ATTRIBUTES) {
      if (!header(`ce-${attribute}`)) return fail("invalid_cloudevent", `CloudEvents binary mode requires the ce-${attribute} header`);
    }
  }
  return parseEventBody(body, content_type, json_limits);
}

function parseStructured(body: Uint8Array, content_type: string, json_limits: JsonLimits | undefined): Result<PaymentEvent> {
  const json = decodeJsonBody(body, content_type.replace(STRUCTURED, "application/json$1"), json_limits);
  if (!json.ok) return json;
  const envelope = json.value as Record<string, unknown>;
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) {
    return fail("invalid_cloudevent", "a CloudEvents structured-mode body must be a JSON object");
  }
  if (envelope.specversion !== "1.0") return fail("invalid_cloudevent", `specversion must be "1.0", got ${JSON.stringify(envelope.specversion)}`);
  for (const attribute of REQUIRED_ATTRIBUTES) {
    if (typeof envelope[attribute] !== "string" || envelope[attribute] === "") return fail("invalid_cloudevent", `the CloudEvent attribute "${attribute}" is required`);
  }
  const media = envelope.datacontenttype;
  if (media !== undefined && !(typeof media === "string" && /^application\/json\s*(;|$)/i.test(media))) {
    return fail("unsupported_content_type", `datacontenttype must be application/json, got ${JSON.stringify(media)}`);
  }
  if (envelope.data_base64 !== undefined) return fail("unsupported_content_type", "data_base64 is not supported: send the canonical event as data");
  if (envelope.data === undefined) return fail("invalid_cloudevent", "the CloudEvent carries no data: data must be the canonical payment event");
  return parseEvent(envelope.data);
}
