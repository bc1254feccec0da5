/**
 * `npm run recover` as an operator meets it: it never replaces an actor database that holds
 * something unless told (`--force`, which moves it aside), it refuses to write a state that
 * disagrees with the projection unless told (`--allow-mismatch`), and every failure is one
 * `cannot recover:` line. Runs the real script against the embedded PGlite of a real stream.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { openSink } from "../../src/sink/open-sink.ts";
import { killStartedHosts, spawnHost } from "../support/crash-host.ts";
import { lifecycle } from "../support/events.ts";
import { randomWebhookSecret, sendSigned, type HttpTarget } from "../support/http-target.ts";
import { inspectPayment, poll } from "../http/suite/context.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const RECOVER = join(ROOT, "scripts/recover.ts");
const secret = randomWebhookSecret();
const admin_token = "c".repeat(32);
const data_dir = mkdtempSync(join(tmpdir(), "recover-command-"));
const environment = { DATA_DIR: data_dir, DATABASE_URL: "", HOST: "127.0.0.1", ADMIN_TOKEN: admin_token, WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }) };
const payment_id = "pay_recover_command";

/** The host as an operator runs it: its own process, stopped with SIGINT. */
async function startHost() {
  const child = await spawnHost(environment);
  if (!(await child.waitReady(30_000))) throw new Error(`the host did not become ready: ${child.output()}`);
  return {
    target: { url: child.url, admin_token, webhook_secret: secret } as HttpTarget,
    async stop() {
      expect(await child.stop("SIGINT", 30_000)).toBe("exit 0");
    },
  };
}

beforeAll(async () => {
  const host = await startHost();
  try {
    for (const body of lifecycle(payment_id)) expect((await sendSigned(host.target, body)).status).toBe(202);
    await poll("the stream in Postgres", () => inspectPayment(host.target, payment_id), (view) => view?.version === 4 && view.outbox.pending === 0);
  } finally {
    await host.stop();
  }
}, 60_000);

afterAll(async () => {
  await killStartedHosts();
  rmSync(data_dir, { recursive: true, force: true });
}, 60_000);

async function recover(args: string[] = [], env: Record<string, string> = environment) {
  const child = Bun.spawn([process.execPath, "run", RECOVER, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [stdout, stderr, exit_code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { exit_code: child.signalCode === "SIGKILL" ? null : exit_code, stdout, stderr };
}

function expectRefused(result: { exit_code: number | null; stderr: string }, ...mentions: string[]) {
  expect({ exit_code: result.exit_code }).toEqual({ exit_code: 1 });
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith("cannot recover: ");
  for (const mention of mentions) expect(lines[0]).toContain(mention);
}

async function onPostgres(statement: ReturnType<typeof sql>): Promise<void> {
  const sink = await openSink({ data_dir });
  try {
    await sink.db.execute(statement);
  } finally {
    await sink.close();
  }
}

const actors = join(data_dir, "actors.sqlite");
const removeActorDatabase = () => {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(actors + suffix, { force: true });
};

describe("npm run recover, as an operator meets it", () => {
  test("while a host runs on DATA_DIR it refuses, before touching anything", async () => {
    const host = await startHost();
    try {
      expectRefused(await recover(["--force"]), join(data_dir, "ingress.sqlite"), "is open in another process", "a host is running");
    } finally {
      await host.stop();
    }
    expect(existsSync(`${actors}.recovering`)).toBe(false);
  }, 30_000);

  test("an actor database that holds rows is never replaced without --force", async () => {
    expect(existsSync(actors)).toBe(true);
    expectRefused(await recover(), actors, "holds", "--force");
  }, 30_000);

  test("--force moves the old database aside and rebuilds", async () => {
    const result = await recover(["--force"]);
    expect({ exit_code: result.exit_code, stderr: result.stderr }).toEqual({ exit_code: 0, stderr: "" });
    expect(result.stdout).toContain("payments:      1 ");
    expect(result.stdout).toContain("events:        4 applied");
    const aside = readdirSync(data_dir).filter((name) => name.startsWith("actors.sqlite.replaced-") && !name.endsWith("-wal") && !name.endsWith("-shm"));
    expect(aside).toHaveLength(1);
    expect(result.stdout).toContain(join(data_dir, aside[0]!));
  }, 30_000);

  test("a projection that disagrees with the replayed events is refused and nothing is written; --allow-mismatch writes the replay", async () => {
    removeActorDatabase();
    await onPostgres(sql`UPDATE payments SET amount_refunded = 999 WHERE payment_id = ${payment_id}`);
    try {
      expectRefused(await recover(), "1 disagreements", `payment ${payment_id}: amount_refunded: replay 1000, projection 999`, "Nothing was written", "--allow-mismatch");
      expect(existsSync(actors)).toBe(false);
      expect(existsSync(`${actors}.recovering`)).toBe(false);
      const written = await recover(["--allow-mismatch"]);
      expect(written.exit_code).toBe(0);
      expect(written.stdout).toContain("1 disagreements, written anyway (--allow-mismatch)");
      expect(existsSync(actors)).toBe(true);
    } finally {
      await onPostgres(sql`UPDATE payments SET amount_refunded = 1000 WHERE payment_id = ${payment_id}`);
    }
  }, 60_000);

  test("an unreadable actors.sqlite is refused without --force and moved aside with it", async () => {
    removeActorDatabase();
    writeFileSync(actors, "this is not a SQLite database, it is what a truncated copy leaves behind\n".repeat(100));
    expectRefused(await recover(), actors, "is not a readable SQLite database", "--force");
    const result = await recover(["--force"]);
    expect({ exit_code: result.exit_code, stderr: result.stderr }).toEqual({ exit_code: 0, stderr: "" });
    expect(result.stdout).toContain("events:        4 applied");
    const replaced = result.stdout.match(/kept at (\S+)/)?.[1];
    expect(readFileSync(replaced!, "utf8")).toStartWith("this is not a SQLite database");
  }, 30_000);

  test("an unreachable DATABASE_URL, a bad variable and an unknown argument are one line each", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "recover-unreachable-"));
    try {
      expectRefused(await recover([], { ...environment, DATA_DIR: elsewhere, DATABASE_URL: "postgres://recover@127.0.0.1:1/none" }), "127.0.0.1:1");
      expectRefused(await recover([], { ...environment, DATA_DIR: elsewhere, RETRY_ATTEMPTS_MAX: "many" }), "RETRY_ATTEMPTS_MAX");
      expectRefused(await recover([], { ...environment, DATA_DIR: elsewhere, RECOVER_PAGE_PAYMENTS_MAX: "0" }), "RECOVER_PAGE_PAYMENTS_MAX");
      expectRefused(await recover(["--yes"], { ...environment, DATA_DIR: elsewhere }), '"--yes"', "usage: npm run recover");
      expectRefused(await recover([], { ...environment, DATA_DIR: elsewhere }), "holds no payment events", "nothing to recover");
      expect(existsSync(join(elsewhere, "actors.sqlite"))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 30_000);
});
