/** What the Bun host tells an operator about its processing backlog, in /metrics. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost, type BunHost } from "../../src/hosts/bun/start-host.ts";
import { Gauge } from "../../src/http/metrics.ts";
import { signWebhook } from "../../src/ingest/standard-webhooks.ts";
import { event } from "../support/events.ts";
import { randomWebhookSecret } from "../support/http-target.ts";

/** Starting a host (PGlite, workerd, a PostgreSQL) takes seconds on a loaded machine; Bun gives hooks 5 s. */
const HOOK_TIMEOUT_MS = 60_000;

const secret = randomWebhookSecret();
const data_dir = mkdtempSync(join(tmpdir(), "bun-host-metrics-"));
let host: BunHost;

beforeAll(async () => {
  const config = loadBunConfig({ DATA_DIR: data_dir, PORT: "0", HOST: "127.0.0.1", WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }) });
  if (!config.ok) throw new Error(config.error.message);
  host = await startBunHost(config.value);
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await host?.stop();
  rmSync(data_dir, { recursive: true, force: true });
});

async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`${host.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1).replace("+Inf", "Infinity"));
}

test("the processing backlog and lag are gauges, back to zero once the work is done", async () => {
  const payment_id = `pay_metrics_${crypto.randomUUID()}`;
  for (const [index, body] of [event("payment.created", payment_id, { amount: 500 }), event("payment.authorized", payment_id, { amount: 500 })].entries()) {
    const text = JSON.stringify(body);
    const timestamp_s = Math.floor(Date.now() / 1000);
    const id = `msg_${index}_${payment_id}`;
    const response = await fetch(`${host.url}/webhooks/dev`, {
      method: "POST",
      body: text,
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp_s),
        "webhook-signature": await signWebhook({ id, timestamp_s, body: text, secret }),
      },
    });
    expect(response.status).toBe(202);
  }
  // The events wait first in the ingress log, then for a place on the actor thread: settled
  // means every stage reads 0, twice in a row (a single 0 can come before the next stage).
  const stages = ["ingress_log_entries", "processing_backlog", "processing_lag_seconds", "outbox_backlog_entries"];
  const deadline = Date.now() + 10_000;
  for (let idle = 0; idle < 2 && Date.now() < deadline; await Bun.sleep(20)) {
    const values = await Promise.all(stages.map(gauge));
    idle = values.every((value) => value === 0) ? idle + 1 : 0;
  }
  for (const stage of stages) expect(await gauge(stage)).toBe(0);
});

test("every Bun gauge the README names is in /metrics, and reads 0 on an idle host", async () => {
  const gauges = [
    "ingress_log_entries",
    "ingress_lag_seconds",
    "processing_backlog_drain_seconds",
    "processing_backlog",
    "processing_lag_seconds",
    "outbox_backlog_entries",
    "outbox_oldest_age_seconds",
    "ingress_storage_full",
  ];
  const deadline = Date.now() + 10_000;
  let values = await Promise.all(gauges.map(gauge));
  while (values.some((value) => value !== 0) && Date.now() < deadline) {
    await Bun.sleep(20);
    values = await Promise.all(gauges.map(gauge));
  }
  expect(Object.fromEntries(gauges.map((name, index) => [name, values[index]]))).toEqual(Object.fromEntries(gauges.map((name) => [name, 0])));
});

test("the host reports its resident memory, all threads included, in bytes", async () => {
  const resident = await gauge("process_resident_memory_bytes");
  // More than one thread's heap and PGlite, less than the machine: bytes, not KiB or MiB.
  expect(resident).toBeGreaterThan(64 * 1024 * 1024);
  expect(resident).toBeLessThan(16 * 1024 * 1024 * 1024);
});

test("a gauge that reads infinity is written the Prometheus way", () => {
  expect(new Gauge("overdue", "help", () => Number.POSITIVE_INFINITY).render()).toContain("overdue +Inf");
});
