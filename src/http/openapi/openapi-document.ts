/**
 * GET /openapi.json: the OpenAPI 3.1 description of every route (DESIGN.md section 9).
 * test/http/openapi.test.ts keeps it from drifting: every route of the app must appear here,
 * and every response the HTTP suite receives must validate against it.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const integer: Schema = { type: "integer" };
const string: Schema = { type: "string" };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: "null" }] });
const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: "object", properties, required });
const json = (schema: Schema, description: string) => ({ description, content: { "application/json": { schema } } });
const problem = (description: string) => json(ref("Problem"), description);
const admin = [{ admin_token: [] }];
const adminErrors = { "401": problem("missing or non-matching admin token"), "503": problem("ADMIN_TOKEN is not configured, or a dependency is unavailable (with Retry-After)") };
const html = (description: string) => ({ description, content: { "text/html": { schema: string } } });
const redirect = (description: string) => ({ description, headers: { location: { schema: string } } });

const schemas: Record<string, Schema> = {
  Problem: object({ error: object({ code: string, message: string }) }),
  Accepted: object({ status: { enum: ["accepted", "duplicate", "ignored"] } }),
  PaymentView: {
    type: "object",
    required: ["payment_id", "status", "currency", "amounts", "version", "events", "held", "retries", "dead_letters", "journals", "fraud", "outbox"],
    properties: {
      payment_id: string,
      status: nullable(string),
      currency: nullable(string),
      amounts: object({ authorized: integer, captured: integer, refunded: integer, disputed: integer, fees: integer }),
      version: integer,
      events: { type: "array", items: object({ id: string, type: string, sequence: nullable(integer), applied_at: string }, ["id", "type", "applied_at"]) },
      held: { type: "array", items: object({ id: string, type: string, reason: string, held_at: string, deadline_at: string }) },
      retries: { type: "array", items: object({ id: string, type: string, attempts: integer, next_attempt_at: nullable(string) }) },
      dead_letters: {
        type: "array",
        // A poison Kafka record of the payment (stage kafka_ingest) has no event: its `record` holds the value as received.
        items: object(
          { event_id: string, type: nullable(string), reason: string, stage: string, attempts: integer, error: object({ class: string, message: string }), source: { type: "object" }, event: nullable({ type: "object" }), record: nullable(object({ value: {} })) },
          ["event_id", "type", "reason", "stage", "attempts", "error", "source", "event", "record"],
        ),
      },
      journals: { type: "array", items: object({ journal_id: string, event_id: string, currency: string, transfers: { type: "array", items: ref("Transfer") } }) },
      fraud: nullable(object({ decision: { enum: ["allow", "review", "block"] }, score: { type: "number" }, rules_fired: { type: "array", items: string }, shadow_rules_fired: { type: "array", items: string } })),
      outbox: object({ pending: integer, oldest_age_ms: integer }),
    },
  },
  Transfer: object({ transfer_id: string, debit_account: string, credit_account: string, amount: integer, kind: { enum: ["posted", "pending", "post_pending", "void_pending"] }, pending_id: nullable(string) }),
  DeadLetter: object({ payment_id: string, event_id: string, status: { enum: ["pending", "replayed", "discarded"] }, reason: string, stage: string, error_class: string, error_message: string, attempts: integer, source: { type: "object" } }),
  DeadLetterFilter: { type: "object", properties: { reason: string, since: string, limit: { type: ["integer", "string"] } }, additionalProperties: false },
  FraudOverride: object({ decision: { enum: ["allow", "review", "block"] }, note: nullable({ type: "string", maxLength: 1000 }) }, ["decision"]),
  LedgerAccounts: object({ currency: string, accounts: { type: "array", items: object({ account: string, debits_pending: integer, debits_posted: integer, credits_pending: integer, credits_posted: integer }) } }),
  KafkaConsumers: object({
    consumers: {
      type: "array",
      items: object({
        protocol: string,
        group: string,
        instance: string,
        topics: { type: "array", items: string },
        partitions: { type: "array", items: object({ topic: string, partition: integer, committed_offset: nullable(integer), log_end_offset: nullable(integer), lag: nullable(integer) }) },
      }),
    },
  }),
  IgnoredEvents: object({ ignored: { type: "array", items: object({ source: string, provider: string, provider_event_type: string, reason: string, received_at: string }, ["source", "provider", "reason", "received_at"]) }, count: integer }),
  Health: object({ status: { enum: ["ok", "degraded"] }, checks: { type: "object", additionalProperties: object({ status: { enum: ["ok", "failing"] } }) } }),
};

const paymentId = { name: "id", in: "path", required: true, schema: string, description: "payment_id (for provider events, the provider's payment object id)" };
const eventId = { name: "eventId", in: "path", required: true, schema: string };
const consolePage = (summary: string, parameters: unknown[] = []) => ({
  get: { summary, tags: ["console"], security: [{ console_session: [] }, { admin_token: [] }], parameters, responses: { "200": html("the page"), "303": redirect("no session: to /console/login"), "401": problem("a bearer header that does not match") } },
});
const consoleAction = (summary: string, parameters: unknown[] = []) => ({
  post: {
    summary,
    tags: ["console"],
    security: [{ console_session: [] }, { admin_token: [] }],
    parameters,
    requestBody: { content: { "application/x-www-form-urlencoded": { schema: { type: "object", properties: { csrf: string, confirm: { enum: ["yes"] } } } } } },
    responses: { "200": html("without confirm=yes: the confirmation page"), "303": redirect("done: back to the page"), "400": html("refused by the API"), "401": problem("no session"), "403": problem("missing or wrong csrf token, or a cross-origin request"), "404": html("nothing to act on") },
  },
});

export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: { title: "payment-actors", version: "0.1.0", description: "Payment events in, one actor per payment_id, a double-entry ledger and an outbox to Postgres. Money is an integer number of minor units." },
  components: {
    schemas,
    securitySchemes: {
      admin_token: { type: "http", scheme: "bearer", description: "Authorization: Bearer <ADMIN_TOKEN>" },
      console_session: { type: "apiKey", in: "cookie", name: "console_session", description: "set by POST /console/login" },
      standard_webhooks: { type: "apiKey", in: "header", name: "webhook-signature", description: "Standard Webhooks (or the provider's own signature for stripe, adyen, checkout sources)" },
    },
  },
  paths: {
    "/webhooks/{source}": {
      post: {
        summary: "Accept one webhook delivery (one canonical event, a CloudEvents envelope, or a provider's event)",
        tags: ["ingest"],
        security: [{ standard_webhooks: [] }],
        parameters: [{ name: "source", in: "path", required: true, schema: string }],
        requestBody: { required: true, content: { "application/json": { schema: { type: "object" } }, "application/cloudevents+json": { schema: { type: "object" } } } },
        responses: {
          "200": { description: "acknowledged as the provider expects (Adyen: [accepted])", content: { "application/json": { schema: {} }, "text/plain": { schema: string } } },
          "202": json(ref("Accepted"), "durable in the payment's inbox, or a duplicate"),
          "400": problem("the body is not a valid event"),
          "401": problem("missing, malformed, stale or non-matching signature"),
          "404": problem("unknown source"),
          "413": problem("body over BODY_BYTES_MAX"),
          "415": problem("content type not accepted"),
          "429": problem("this payment's inbox or dead letters are full (Retry-After)"),
          "503": problem("the host is overloaded or a dependency is down (Retry-After)"),
        },
      },
    },
    "/webhooks/ignored": {
      get: {
        summary: "Provider events acknowledged without a canonical event, newest first",
        tags: ["ingest"],
        security: admin,
        parameters: [{ name: "provider", in: "query", schema: string }, { name: "type", in: "query", schema: string }, { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } }],
        responses: { "200": json(ref("IgnoredEvents"), "the latest ignored events"), "400": problem("bad limit"), ...adminErrors },
      },
    },
    "/payments/{id}": { get: { summary: "A payment's whole state", tags: ["payments"], security: admin, parameters: [paymentId], responses: { "200": json(ref("PaymentView"), "the actor's state"), "404": problem("never seen"), ...adminErrors } } },
    "/payments/{id}/dlq/{eventId}/replay": {
      post: { summary: "Replay one dead letter", tags: ["payments"], security: admin, parameters: [paymentId, eventId], responses: { "202": json(object({ status: { const: "replaying" }, payment_id: string, event_id: string }), "back in the inbox"), "404": problem("no such dead letter"), ...adminErrors } },
    },
    "/payments/{id}/dlq/{eventId}": {
      delete: { summary: "Discard one dead letter", tags: ["payments"], security: admin, parameters: [paymentId, eventId], responses: { "200": json(object({ status: { const: "discarded" }, payment_id: string, event_id: string }), "discarded"), "404": problem("no such dead letter"), ...adminErrors } },
    },
    "/payments/{id}/fraud/override": {
      post: {
        summary: "Override a payment's fraud decision",
        tags: ["payments"],
        security: admin,
        parameters: [paymentId],
        requestBody: { required: true, content: { "application/json": { schema: ref("FraudOverride") } } },
        responses: { "200": json(object({ status: { const: "overridden" }, payment_id: string, decision: string, note: nullable(string) }), "overridden"), "400": problem("bad decision or note"), "404": problem("never seen"), "413": problem("body too large"), "415": problem("not JSON"), ...adminErrors },
      },
    },
    "/dlq": {
      get: {
        summary: "Dead letters across payments (from Postgres)",
        tags: ["across payments"],
        security: admin,
        parameters: ["reason", "since", "status"].map((name) => ({ name, in: "query", schema: string })).concat([{ name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } as never }]),
        responses: { "200": json(object({ dead_letters: { type: "array", items: ref("DeadLetter") }, count: integer }), "matching dead letters"), "400": problem("bad filter"), ...adminErrors },
      },
    },
    "/dlq/replay": {
      post: {
        summary: "Replay pending dead letters matching a filter",
        tags: ["across payments"],
        security: admin,
        requestBody: { required: true, content: { "application/json": { schema: ref("DeadLetterFilter") } } },
        responses: { "202": json(object({ status: { const: "replaying" }, matched: integer, replayed: integer, not_found: integer }), "replay requested"), "400": problem("bad filter"), "413": problem("body too large"), "415": problem("not JSON"), ...adminErrors },
      },
    },
    "/ledger/accounts": {
      get: { summary: "Every account of one currency", tags: ["across payments"], security: admin, parameters: [{ name: "currency", in: "query", required: true, schema: { type: "string", pattern: "^[A-Z]{3}$" } }], responses: { "200": json(ref("LedgerAccounts"), "balances"), "400": problem("missing or unknown currency"), ...adminErrors } },
    },
    "/kafka/consumers": { get: { summary: "Kafka consumers' partitions: committed offset, log end, lag", tags: ["ingest"], security: admin, responses: { "200": json(ref("KafkaConsumers"), "the consumers (empty when none is configured)"), ...adminErrors } } },
    "/health": { get: { summary: "Liveness and dependency checks", tags: ["operations"], responses: { "200": json(ref("Health"), "every check ok"), "503": json(ref("Health"), "a dependency is failing") } } },
    "/metrics": { get: { summary: "Prometheus text format", tags: ["operations"], responses: { "200": { description: "metrics", content: { "text/plain": { schema: string } } } } } },
    "/openapi.json": { get: { summary: "This document", tags: ["operations"], responses: { "200": json({ type: "object", required: ["openapi", "paths"] }, "OpenAPI 3.1") } } },
    "/console": consolePage("Pipeline overview"),
    "/console/pipeline.json": { get: { summary: "The overview's figures, polled while it is open", tags: ["console"], security: [{ console_session: [] }, { admin_token: [] }], responses: { "200": json({ type: "object", required: ["observed_at_ms", "scope", "totals", "health"] }, "figures"), "401": problem("no session") } } },
    "/console/login": {
      get: { summary: "Sign-in form", tags: ["console"], responses: { "200": html("the form") } },
      post: {
        summary: "Sign in with the admin token; sets the session cookie",
        tags: ["console"],
        requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: object({ token: string, next: string }, ["token"]) } } },
        responses: { "303": redirect("signed in: to next or /console"), "401": html("wrong token: the form again"), "403": html("cross-site sign-in"), "503": html("ADMIN_TOKEN is not configured") },
      },
    },
    "/console/logout": consoleAction("Sign out"),
    "/console/search": consolePage("Find a payment by payment id, event id or provider event id", [{ name: "q", in: "query", required: true, schema: string }]),
    "/console/payments/{id}": consolePage("One payment's story", [paymentId]),
    "/console/payments/{id}/dlq/{eventId}/replay": consoleAction("Replay a dead letter, after a confirmation", [paymentId, eventId]),
    "/console/payments/{id}/dlq/{eventId}/discard": consoleAction("Discard a dead letter, after a confirmation", [paymentId, eventId]),
    "/console/payments/{id}/fraud/override": consoleAction("Override the fraud decision, after a confirmation", [paymentId]),
    "/console/dlq": consolePage("Dead letters across payments", ["reason", "stage", "since", "status"].map((name) => ({ name, in: "query", schema: string }))),
    "/console/dlq/replay": consoleAction("Bulk replay, after a preview of how many it touches"),
    "/console/ledger": consolePage("Ledger per currency", [{ name: "currency", in: "query", schema: string }]),
    "/console/ingest": consolePage("Kafka consumers' lag and ignored provider events"),
    "/console/api": consolePage("This API reference"),
    "/console/assets/console.css": { get: { summary: "Console stylesheet", tags: ["console"], responses: { "200": { description: "CSS", content: { "text/css": { schema: string } } } } } },
    "/console/assets/console.js": { get: { summary: "Console script (overview refresh)", tags: ["console"], responses: { "200": { description: "JavaScript", content: { "text/javascript": { schema: string } } } } } },
    "/console/assets/favicon.svg": { get: { summary: "Console icon", tags: ["console"], responses: { "200": { description: "SVG", content: { "image/svg+xml": { schema: string } } } } } },
  },
} as const;
