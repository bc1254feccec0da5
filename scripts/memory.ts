/**
 * `bun run scripts/memory.ts`: the Bun host's resident memory (VmRSS of its process, every
 * thread included) at start, under a load of MEMORY_PAYMENTS new payments, idle after it,
 * and after a restart on the same DATA_DIR. Bounded: it stops by itself after MEMORY_TIMEOUT_S and stops the host by its PID.
 *
 *   MEMORY_PAYMENTS      payments sent, one payment.created each (default 200000)
 *   MEMORY_CONCURRENCY   senders in the closed loop (default 64)
 *   MEMORY_RATE          events a second: an open loop at that rate instead of the closed
 *                        loop (issue 7's bar: payments pushed through at the sustained rate;
 *                        the closed loop overloads the host, so its backlog is at its limits)
 *   MEMORY_TIMEOUT_S     the whole run's bound (default 900)
 *   DATABASE_URL         unset: embedded PGlite (the default the README measures)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "./lib/child-server.ts";
import { readMetrics, sample } from "./lib/host-metrics.ts";
import { signAll } from "./lib/sender.ts";
import { randomWebhookSecret } from "../test/support/http-target.ts";
import type { PaymentEvent } from "../src/core/event.ts";

const payments = Number(process.env.MEMORY_PAYMENTS ?? 200_000);
const concurrency = Number(process.env.MEMORY_CONCURRENCY ?? 64);
const rate_per_s = Number(process.env.MEMORY_RATE ?? 0);
const deadline = performance.now() + Number(process.env.MEMORY_TIMEOUT_S ?? 900) * 1000;
const CHUNK = 10_000;

interface Resident {
  total: number;
  /** Heaps, WebAssembly memory, SQLite's page caches: what the process holds. */
  anonymous: number;
  /** Mapped files (actors.sqlite through mmap, the executable): page cache the kernel can reclaim. */
  file: number;
}

function resident(pid: number): Resident {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { total: field("VmRSS"), anonymous: field("RssAnon"), file: field("RssFile") + field("RssShmem") };
}

const data_dir = mkdtempSync(join(tmpdir(), "memory-"));
const secret = randomWebhookSecret();
const host = await startChildServer("src/hosts/bun/main.ts", {
  DATA_DIR: data_dir,
  WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }),
  ADMIN_TOKEN: "m".repeat(32),
  DATABASE_URL: process.env.DATABASE_URL ?? "",
}, { ready_path: "/health", timeout_ms: 60_000, exit_if_it_dies: true });
const pid = host.process.pid;
const figures: Array<[string, Resident]> = [];
let peak: Resident = { total: 0, anonymous: 0, file: 0 };
const sampler = setInterval(() => {
  const now = resident(pid);
  if (now.total > peak.total) peak = now;
}, 200);
try {
  await Bun.sleep(2_000);
  figures.push(["start (2 s after /health answers)", resident(pid)]);

  let sent = 0;
  let refused = 0;
  const started = performance.now();
  for (let first = 0; first < payments && performance.now() < deadline; first += CHUNK) {
    const events: PaymentEvent[] = [];
    for (let index = first; index < Math.min(payments, first + CHUNK); index += 1) {
      events.push({
        id: `evt_memory_${index}`,
        type: "payment.created",
        payment_id: `pay_memory_${index}`,
        occurred_at: new Date().toISOString(),
        data: { amount: 1000 + (index % 5000), currency: "USD", merchant_id: `m_${index % 50}`, customer_id: `c_${index % 20_000}`, card: { fingerprint: `fp_${index % 40_000}`, country: "US" }, ip: `10.0.${(index >> 8) & 255}.${index & 255}`, ip_country: "US" },
      });
    }
    const requests = await signAll(events, secret);
    const deliver = async (request: (typeof requests)[number]) => {
      for (;;) {
        const response = await fetch(`${host.url}/webhooks/dev`, { method: "POST", body: request.body, headers: request.headers });
        await response.arrayBuffer();
        if (response.status === 202) break;
        // 503 overloaded: the host sheds load; wait as a provider would, then send again.
        refused += 1;
        await Bun.sleep(Number(response.headers.get("retry-after") ?? "1") * 100);
      }
      sent += 1;
    };
    if (rate_per_s > 0) {
      // Request i of the whole run leaves at i / rate seconds, whatever the answers.
      const answers: Array<Promise<void>> = [];
      for (let index = 0; index < requests.length; ) {
        const due = Math.floor(((performance.now() - started) / 1000) * rate_per_s) - first;
        for (; index < Math.min(requests.length, due + 1); index += 1) answers.push(deliver(requests[index]!));
        await Bun.sleep(2);
      }
      await Promise.all(answers);
      continue;
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests.length) await deliver(requests[next++]!);
      }),
    );
  }
  const load_s = (performance.now() - started) / 1000;
  const how = rate_per_s > 0 ? `at ${rate_per_s}/s` : `${concurrency} in flight`;
  figures.push([`peak while ${sent} payments were sent, ${how} (${load_s.toFixed(0)} s, ${refused} 503s retried)`, peak]);

  // Settled: everything acknowledged is processed and in Postgres.
  for (;;) {
    const metrics = await readMetrics(host.url);
    if (sample(metrics, "ingress_log_entries") === 0 && sample(metrics, "processing_backlog") === 0 && sample(metrics, "outbox_backlog_entries") === 0) break;
    if (performance.now() > deadline) throw new Error("the host did not settle before MEMORY_TIMEOUT_S");
    await Bun.sleep(500);
  }
  figures.push(["settled (every event processed and in Postgres)", resident(pid)]);
  await Bun.sleep(10_000);
  figures.push(["idle, 10 s later", resident(pid)]);
  figures.push(["peak over the whole run", peak]);
  clearInterval(sampler);
  await host.stop();
  // A restart on the same DATA_DIR: no initdb, and every payment of the load on disk.
  const restarted = await startChildServer("src/hosts/bun/main.ts", { DATA_DIR: data_dir, ADMIN_TOKEN: "m".repeat(32), DATABASE_URL: process.env.DATABASE_URL ?? "" }, { ready_path: "/health", timeout_ms: 60_000 });
  try {
    await Bun.sleep(2_000);
    figures.push([`restart on that DATA_DIR (2 s after /health answers)`, resident(restarted.process.pid)]);
  } finally {
    await restarted.stop();
  }
} finally {
  clearInterval(sampler);
  await host.stop();
  rmSync(data_dir, { recursive: true, force: true });
}
console.log(`resident memory of the Bun host (${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded PGlite"}), MiB: total = anonymous + mapped files`);
for (const [what, mib] of figures) {
  console.log(`  ${mib.total.toFixed(0).padStart(6)} = ${mib.anonymous.toFixed(0).padStart(4)} + ${mib.file.toFixed(0).padStart(4)}  ${what}`);
}
