/**
 * `npm run demo`: sends a realistic signed stream to a running server (`npm start` in another
 * terminal) and explains what happened. 2,000 payments: full lifecycles with refunds and
 * disputes, failures and cancels, 5% duplicate deliveries, one payment in five delivered in
 * shuffled order, a card-testing burst the fraud rules block, and a few bad events that end
 * in the dead-letter queue.
 *
 * DEMO_URL (default http://127.0.0.1:8787), DATA_DIR (default ./data: where the server keeps
 * the generated secret and admin token), or WEBHOOK_SECRET and ADMIN_TOKEN directly.
 *
 * `--provider stripe|adyen` sends the same stream as that provider would (its own event
 * payloads, signed as it signs) to a source of that provider: the first one in WEBHOOK_SOURCES,
 * which the demo reads from its environment, as the server does. Without one it prints the
 * variable to start both with.
 *
 * `--via kafka` produces the same stream to a Kafka topic instead (the dev broker:
 * `npm run kafka:dev`; the server started with KAFKA_REST_URL and KAFKA_TOPICS), plus two
 * poison records that end in `<topic>.dlq`. DEMO_KAFKA_URL (default http://127.0.0.1:8082),
 * DEMO_KAFKA_TOPIC (default payments).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PaymentEvent } from "../src/core/event.ts";
import { parseWebhookSources, type WebhookSource } from "../src/ingest/webhook-sources.ts";
import { eventStream } from "./lib/event-stream.ts";
import { kafkaProblem, sendViaKafka, type KafkaTarget } from "./lib/kafka-sender.ts";
import { providerStream, signProviderRequests, type ProviderName } from "./lib/provider-stream.ts";
import { sendAll, signAll, type SignedRequest } from "./lib/sender.ts";

const url = process.env.DEMO_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const payments = Number(process.env.DEMO_PAYMENTS ?? 2_000);
const via_flag = process.argv.indexOf("--via");
const via = via_flag >= 0 ? process.argv[via_flag + 1] : "webhooks";
if (via !== "webhooks" && via !== "kafka") {
  console.error(`--via must be webhooks or kafka, got ${via}`);
  process.exit(1);
}
const provider = providerArgument();
if (provider !== null && via === "kafka") {
  console.error("--provider and --via kafka do not go together: providers send webhooks");
  process.exit(1);
}
const provider_source = provider === null ? null : providerSource(provider);
const { secret, admin_token } = credentials(via === "kafka");
const admin = { authorization: `Bearer ${admin_token}` };

const health = await fetch(`${url}/health`).catch(() => null);
if (!health) {
  console.error(`No server answers at ${url}. Start one with \`npm start\` in another terminal, then run \`npm run demo\` again.`);
  process.exit(1);
}

const prefix = `demo_${provider ?? "std"}_${Date.now().toString(36)}`;
const seed = Date.now() % 1e6;
let requests: SignedRequest[];
let payment_ids: string[];
let path = "/webhooks/dev";
const kafka: KafkaTarget = {
  server_url: url,
  admin_token,
  kafka_url: process.env.DEMO_KAFKA_URL ?? `http://127.0.0.1:${process.env.KAFKA_DEV_PORT ?? 8082}`,
  topic: process.env.DEMO_KAFKA_TOPIC ?? "payments",
};
let kafka_stream: { all: PaymentEvent[]; distinct: number } | null = null;
if (via === "kafka") {
  const stream = eventStream({ payments, duplicate_ratio: 0.05, shuffle_ratio: 0.2, card_testing: true, seed, prefix });
  const all = [...stream, ...badEvents(stream)];
  kafka_stream = { all, distinct: new Set(all.map((event) => event.id)).size };
  requests = [];
  payment_ids = [...new Set(all.map((event) => event.payment_id))];
} else if (provider === null) {
  const stream = eventStream({ payments, duplicate_ratio: 0.05, shuffle_ratio: 0.2, card_testing: true, seed, prefix });
  const all = [...stream, ...badEvents(stream)];
  const distinct = new Set(all.map((event) => event.id)).size;
  console.log(`Sending ${all.length} signed webhooks (${distinct} distinct events for ${payments + 14} payments) to ${url}${path} ...`);
  requests = await signAll(all, secret!);
  payment_ids = [...new Set(all.map((event) => event.payment_id))];
} else {
  const provider_stream = providerStream(provider, { payments, duplicate_ratio: 0.05, shuffle_ratio: 0.2, seed, prefix, mistakes: badEvents });
  path = `/webhooks/${provider_source!.name}`;
  console.log(`Sending ${provider_stream.requests.length} ${provider === "stripe" ? "Stripe events" : "Adyen notification batches"}, signed as ${provider} signs, for ${provider_stream.payment_ids.length} payments to ${url}${path} ...`);
  requests = await signProviderRequests(provider, provider_stream.requests, provider_source!.secrets.at(-1)!, provider_source!.basic_auth);
  payment_ids = provider_stream.payment_ids;
}
let result;
if (kafka_stream !== null) {
  const problem = await kafkaProblem(kafka);
  if (problem !== null) {
    console.error(`Cannot send through Kafka: ${problem}.`);
    process.exit(1);
  }
  const { all, distinct } = kafka_stream;
  const poison = [{ value: JSON.stringify(all[0]) }, { key: all[0]!.payment_id, value: "{this is not JSON" }];
  console.log(`Producing ${all.length + poison.length} records (${distinct} distinct events for ${payments + 14} payments, 2 poison records) to ${kafka.kafka_url} topic ${kafka.topic} ...`);
  result = await sendViaKafka(kafka, all, { raw: poison, deadline_ms: 120_000 });
} else {
  result = await sendAll(`${url}${path}`, requests, { concurrency: 32, deadline_ms: 120_000 });
}
const seconds = result.elapsed_ms / 1000;
const acknowledged = provider === "adyen" ? 200 : 202;
console.log(`  ${result.sent} ${via === "kafka" ? "produced and consumed" : "sent"} in ${seconds.toFixed(1)} s (${Math.round(result.sent / seconds)}/s):`,
  [...result.outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(", "),
  [...result.statuses].filter(([status]) => status !== acknowledged).map(([status, n]) => `${n} answered ${status}`).join(", "));

console.log("\nWaiting for every payment's actor to process its events and flush them to Postgres ...");
const views = await settle(payment_ids);

const by_status = count(views.map((view) => view.status ?? "(none)"));
console.log("\nPayments by status:");
for (const [status, n] of [...by_status].sort((a, b) => b[1] - a[1])) console.log(`  ${status.padEnd(20)} ${n}`);

const reordered = views.filter((view) => view.events.some((event, index) => event.sequence !== null && event.sequence !== index + 1));
const shuffled_sent = payment_ids.length;
if (provider === null) {
  console.log(`\nOrdering: events arrived shuffled for about a fifth of the payments; every payment applied its events in sequence order (${reordered.length} of ${shuffled_sent} out of order: should be 0).`);
  console.log(`Duplicates: ${result.outcomes.get("duplicate") ?? 0} deliveries were recognised by event id and changed nothing.`);
} else {
  const still_held = views.filter((view) => view.held.length > 0).length;
  console.log(`\nOrdering: ${provider} sends no sequence numbers; for about a fifth of the payments its first event arrived last, and events that came too early were held until they applied (${still_held} payments still hold events: should be 0).`);
  console.log(`Duplicates: about 5% of the ${provider} events were delivered twice; their derived ids made them change nothing${provider === "stripe" ? ` (${result.outcomes.get("duplicate") ?? 0} deliveries answered "duplicate")` : " (Adyen is answered [accepted] either way)"}.`);
}

const fraud = count(views.map((view) => view.fraud?.decision ?? "not evaluated"));
console.log(`\nFraud decisions: ${[...fraud].map(([decision, n]) => `${n} ${decision}`).join(", ")}`);
const blocked = views.filter((view) => view.status === "blocked");
if (blocked.length > 0) {
  console.log(`  blocked (card testing: one IP, many cards): ${blocked.slice(0, 3).map((view) => view.payment_id).join(", ")}${blocked.length > 3 ? ", ..." : ""}`);
  console.log(`  rules fired: ${[...new Set(blocked.flatMap((view) => view.fraud?.rules_fired ?? []))].join(", ")}`);
}

if (via === "kafka") {
  const listed = (await (await fetch(`${url}/dlq?limit=100`, { headers: admin })).json()) as { dead_letters: Array<{ stage: string; reason: string; source: { offset?: string; partition?: number } }> };
  const poisoned = listed.dead_letters.filter((letter) => letter.stage === "kafka_ingest");
  console.log(`\nKafka poison records: ${poisoned.length} in dead_letters (${poisoned.map((letter) => `${letter.reason} at partition ${letter.source.partition} offset ${letter.source.offset}`).join(", ")}), also produced to ${kafka.topic}.dlq`);
}

const dead = views.flatMap((view) => view.dead_letters.map((letter) => ({ payment_id: view.payment_id, ...letter })));
console.log(`\nDead-letter queue: ${dead.length} events (${[...count(dead.map((letter) => letter.reason))].map(([reason, n]) => `${n} ${reason}`).join(", ") || "none"})`);
for (const letter of dead.slice(0, 4)) console.log(`  ${letter.payment_id} ${letter.type}: ${letter.reason} — ${letter.error.message}`);

console.log("\nLedger in Postgres (GET /ledger/accounts), per currency:");
for (const currency of ["USD", "EUR", "GBP", "JPY"]) {
  const ledger = (await (await fetch(`${url}/ledger/accounts?currency=${currency}`, { headers: admin })).json()) as {
    accounts: Array<{ account: string; debits_pending: number; debits_posted: number; credits_pending: number; credits_posted: number }>;
  };
  const sum = (field: keyof (typeof ledger.accounts)[number]) => ledger.accounts.reduce((total, account) => total + Number(account[field]), 0);
  const balanced = sum("debits_posted") === sum("credits_posted") && sum("debits_pending") === sum("credits_pending");
  const system_accounts = ledger.accounts.filter((account) => !account.account.startsWith("merchant:"));
  console.log(`  ${currency}: ${ledger.accounts.length} accounts, posted debits ${sum("debits_posted")} = credits ${sum("credits_posted")}, pending ${sum("debits_pending")} = ${sum("credits_pending")}: ${balanced ? "balanced" : "NOT BALANCED"}`);
  for (const account of system_accounts) {
    console.log(`      ${account.account.padEnd(16)} posted net ${account.credits_posted - account.debits_posted}, pending net ${account.credits_pending - account.debits_pending}`);
  }
}

const example = views.find((view) => view.journals.length >= 3) ?? views[0]!;
console.log(`\nAsk any payment what happened, in what order, what it posted and what failed:`);
console.log(`  curl -s -H 'Authorization: Bearer ${admin_token}' ${url}/payments/${example.payment_id}`);
console.log(`  curl -s -H 'Authorization: Bearer ${admin_token}' '${url}/dlq?limit=10'`);

function providerArgument(): ProviderName | null {
  const index = process.argv.indexOf("--provider");
  if (index < 0) return null;
  const value = process.argv[index + 1];
  if (value !== "stripe" && value !== "adyen") {
    console.error(`--provider must be stripe or adyen, got ${JSON.stringify(value ?? "")}`);
    process.exit(1);
  }
  return value;
}

/** The first source of the provider in WEBHOOK_SOURCES, or instructions to configure one. */
function providerSource(provider: ProviderName): WebhookSource {
  const parsed = parseWebhookSources(process.env.WEBHOOK_SOURCES?.trim() || "{}");
  if (!parsed.ok) {
    console.error(parsed.error.message);
    process.exit(1);
  }
  const found = Object.values(parsed.value).find((source) => source.provider === provider);
  if (found) return found;
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const secret = provider === "stripe" ? `whsec_${Buffer.from(bytes).toString("base64url")}` : Buffer.from(bytes).toString("hex").toUpperCase();
  const example = JSON.stringify({ [provider]: { provider, secrets: [secret] } });
  console.error(`No ${provider} source in WEBHOOK_SOURCES. Start the server and the demo with one, for example:\n`);
  console.error(`  export WEBHOOK_SOURCES='${example}'`);
  console.error(`  npm start                             # in one terminal`);
  console.error(`  npm run demo -- --provider ${provider}   # in another, with the same WEBHOOK_SOURCES`);
  process.exit(1);
}

function credentials(admin_only: boolean): { secret: string | undefined; admin_token: string } {
  const path = join(process.env.DATA_DIR ?? "./data", "secrets.json");
  const stored = existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as { webhook_secrets: { dev: string[] }; admin_token: string })
    : null;
  const secret = process.env.WEBHOOK_SECRET ?? stored?.webhook_secrets.dev[0];
  const admin_token = process.env.ADMIN_TOKEN ?? stored?.admin_token;
  if ((!secret && !admin_only) || !admin_token) {
    console.error(`No secrets found: start the server once (\`npm start\`) so it writes ${path}, or set WEBHOOK_SECRET and ADMIN_TOKEN.`);
    process.exit(1);
  }
  return { secret, admin_token };
}

/** Events no later event can fix: a refund larger than the capture, a capture after a cancel. */
function badEvents(events: PaymentEvent[]): PaymentEvent[] {
  const captured = events.filter((event) => event.type === "payment.captured").slice(0, 3);
  const canceled = events.filter((event) => event.type === "payment.canceled").slice(0, 2);
  return [
    ...captured.map((event) => ({
      ...event,
      id: `${event.id}_too_big_refund`,
      type: "payment.refunded" as const,
      sequence: undefined,
      data: { ...event.data, amount: (event.data.amount ?? 0) * 10, fee: undefined },
    })),
    ...canceled.map((event) => ({
      ...event,
      id: `${event.id}_late_capture`,
      type: "payment.captured" as const,
      sequence: undefined,
      data: { ...event.data, amount: 100, fee: 0 },
    })),
  ].map((event) => JSON.parse(JSON.stringify(event)) as PaymentEvent);
}

interface View {
  payment_id: string;
  status: string | null;
  version: number;
  events: Array<{ id: string; sequence: number | null }>;
  held: unknown[];
  dead_letters: Array<{ type: string; reason: string; error: { message: string } }>;
  journals: unknown[];
  fraud: { decision: string; rules_fired: string[] } | null;
  outbox: { pending: number };
  inbox: unknown[];
}

async function settle(ids: string[]): Promise<View[]> {
  const deadline = Date.now() + 120_000;
  let views: View[] = [];
  while (Date.now() < deadline) {
    views = [];
    for (let index = 0; index < ids.length; index += 50) {
      const page = await Promise.all(
        ids.slice(index, index + 50).map(async (id) => {
          const response = await fetch(`${url}/payments/${id}`, { headers: admin });
          // 404: every event of this payment was refused (503 overloaded, say), so it has no view.
          return response.status === 200 ? ((await response.json()) as View) : (await response.arrayBuffer(), null);
        }),
      );
      for (const view of page) if (view !== null) views.push(view);
    }
    const busy = views.filter((view) => view.outbox.pending > 0 || view.inbox.length > 0 || view.held.length > 0);
    if (busy.length === 0) return views;
    await Bun.sleep(500);
  }
  console.log("  (some payments were still busy after 120 s; showing the state so far)");
  return views;
}

function count(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
