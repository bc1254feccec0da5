/** grafana/payment-actors-dashboard.json names only metrics the Bun host really exports. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost } from "../../src/hosts/bun/start-host.ts";
import { randomWebhookSecret } from "../support/http-target.ts";

const dashboard = JSON.parse(readFileSync(resolve(import.meta.dir, "../../grafana/payment-actors-dashboard.json"), "utf8"));
/** Families only some hosts or configurations export (Kafka consumers, Redis velocity). */
const CONFIGURED_ONLY = new Set(["kafka_consumer_records_total", "kafka_consumer_lag", "velocity_breaker_state"]);

let host: Awaited<ReturnType<typeof startBunHost>>;
let data_dir = "";
beforeAll(async () => {
  data_dir = mkdtempSync(join(tmpdir(), "grafana-"));
  const config = loadBunConfig({ DATA_DIR: data_dir, PORT: "0", HOST: "127.0.0.1", ADMIN_TOKEN: `adm_${crypto.randomUUID()}`, WEBHOOK_SECRETS: JSON.stringify({ dev: [randomWebhookSecret()] }) });
  if (!config.ok) throw new Error(config.error.message);
  host = await startBunHost(config.value);
}, 60_000);
afterAll(async () => {
  await host?.stop();
  rmSync(data_dir, { recursive: true, force: true });
});

test("every metric the Grafana dashboard queries is one GET /metrics exports (or one a Kafka or Redis configuration adds)", async () => {
  const exported = new Set([...(await (await fetch(`${host.url}/metrics`)).text()).matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]!));
  const queried = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) for (const match of target.expr.matchAll(/([a-z_]+)(?:_bucket)?\{/g)) queried.add(match[1]!.replace(/_bucket$/, ""));
  }
  expect(queried.size).toBeGreaterThan(10);
  expect([...queried].filter((name) => !exported.has(name) && !CONFIGURED_ONLY.has(name))).toEqual([]);
  expect(dashboard.panels.every((panel: { datasource: { uid: string } }) => panel.datasource.uid === "${datasource}")).toBe(true);
});
