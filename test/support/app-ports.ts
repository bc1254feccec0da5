/**
 * Test ports for `createApp` so HTTP behaviour is checked through `app.request`, with no server.
 * The actors port answers what the test scripts (an outcome, or a thrown error), standing in
 * for the real admission whose outcomes the actor-host suite checks on every host (test/suite).
 */
import { createApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import type { AcceptOutcome, AppDependencies, HealthCheck, PaymentActorsPort } from "../../src/http/ports.ts";
import { signWebhook } from "../../src/ingest/standard-webhooks.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import { randomWebhookSecret } from "./http-target.ts";

export const ADMIN_TOKEN = "adm_test_token_0123456789";

export class ScriptedActors implements PaymentActorsPort {
  /** The next accept() answers: an outcome, or an error to throw. Empty: "accepted". */
  readonly answers: Array<AcceptOutcome | Error> = [];
  readonly accepted: PaymentEvent[] = [];
  async accept(event: PaymentEvent): Promise<AcceptOutcome> {
    const answer = this.answers.shift() ?? "accepted";
    if (answer instanceof Error) throw answer;
    if (answer === "accepted") this.accepted.push(event);
    return answer;
  }
  async inspect(): Promise<unknown | null> {
    return null;
  }
  async replay() {
    return "not_found" as const;
  }
  async discard() {
    return "not_found" as const;
  }
  async overrideFraud() {
    return "not_found" as const;
  }
}

export function testApp(overrides: Partial<AppDependencies> = {}) {
  const secret = randomWebhookSecret();
  const actors = new ScriptedActors();
  const metrics = new MetricsRegistry();
  const health_checks: HealthCheck[] = [];
  const deps: AppDependencies = {
    webhook_secrets: { dev: [secret] },
    admin_token: ADMIN_TOKEN,
    body_bytes_max: 256 * 1024,
    actors,
    sink: { listDeadLetters: async () => [], ledgerAccounts: async () => [] },
    metrics,
    health_checks,
    now: Date.now,
    ...overrides,
  };
  const app = createApp(deps);
  return {
    app,
    actors,
    metrics,
    health_checks,
    /** POST /webhooks/dev with a valid Standard Webhooks signature. */
    async sendSigned(body: unknown, id = `msg_${crypto.randomUUID()}`): Promise<Response> {
      const text = JSON.stringify(body);
      const timestamp_s = Math.floor(Date.now() / 1000);
      return app.request("/webhooks/dev", {
        method: "POST",
        body: text,
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(timestamp_s),
          "webhook-signature": await signWebhook({ id, timestamp_s, body: text, secret }),
        },
      });
    },
    async metricsText(): Promise<string> {
      const response = await app.request("/metrics");
      if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    },
  };
}

/** The value of one sample line (`name{labels} value`) in Prometheus text, or null if absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(",") : [];
    if (wanted.length === present.length && wanted.every((label) => present.includes(label))) return Number(match[3]!.replace("+Inf", "Infinity"));
  }
  return null;
}
