/**
 * Actor storage knows whose it is (issue 12): after a real stream reached Postgres, a missing,
 * empty or foreign actors.sqlite is refused at start with one `cannot start:` line saying what
 * happened and how to recover, instead of starting with state, dedupe and dead letters gone.
 * The Bun host runs in-process to make the stream; the refused starts run the real entry point.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost } from "../../src/hosts/bun/start-host.ts";
import { lifecycle } from "../support/events.ts";
import { randomWebhookSecret, sendSigned, type HttpTarget } from "../support/http-target.ts";
import { poll, request, type Json } from "../http/suite/context.ts";

const MAIN = new URL("../../src/hosts/bun/main.ts", import.meta.url).pathname;
const secret = randomWebhookSecret();
const admin_token = "i".repeat(32);
const directories: string[] = [];
// Removing a dozen embedded Postgres folders outlasts the default 5 s hook timeout on a busy machine.
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
}, 60_000);
const dataDir = () => {
  const directory = mkdtempSync(join(tmpdir(), "installation-"));
  directories.push(directory);
  return directory;
};
const environment = (data_dir: string) => ({ DATA_DIR: data_dir, PORT: "0", HOST: "127.0.0.1", ADMIN_TOKEN: admin_token, WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }) });

/** Starts the host in `data_dir`, sends one payment's lifecycle, waits until Postgres has it, stops. */
async function stream(data_dir: string, payment_id: string): Promise<void> {
  const config = loadBunConfig(environment(data_dir));
  if (!config.ok) throw new Error(config.error.message);
  const host = await startBunHost(config.value, { durability: "process" });
  try {
    const target = { url: host.url, admin_token, webhook_secret: secret } as HttpTarget;
    for (const body of lifecycle(payment_id)) {
      const response = await sendSigned(target, body);
      expect(response.status).toBe(202);
      await response.body?.cancel();
    }
    await poll(
      "the stream in Postgres",
      async () => (await (await request(target, "GET", `/payments/${payment_id}`)).json()) as Json,
      (view) => view.outbox?.pending === 0 && view.version >= 2,
    );
  } finally {
    await host.stop();
  }
}

async function start(data_dir: string): Promise<{ exit_code: number | null; stderr: string }> {
  const child = Bun.spawn([process.execPath, "run", MAIN], { env: { PATH: process.env.PATH ?? "", ...environment(data_dir) }, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [stderr, exit_code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { exit_code: child.signalCode === "SIGKILL" ? null : exit_code, stderr };
}

function expectRefused(result: { exit_code: number | null; stderr: string }, ...mentions: string[]): void {
  expect({ exit_code: result.exit_code, stderr: result.stderr }).toMatchObject({ exit_code: 1 });
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith("cannot start: ");
  for (const mention of mentions) expect(lines[0]).toContain(mention);
}

function removeActorDatabase(data_dir: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(join(data_dir, `actors.sqlite${suffix}`), { force: true });
}

describe("actor storage and Postgres are one installation", () => {
  test("a missing actors.sqlite in front of a Postgres holding events is refused, naming both and the way back", async () => {
    const data_dir = dataDir();
    await stream(data_dir, `pay_install_missing`);
    removeActorDatabase(data_dir);
    const result = await start(data_dir);
    expectRefused(result, join(data_dir, "actors.sqlite"), "is new or empty", "events", "npm run recover", "from a backup");
    expect(existsSync(join(data_dir, "actors.sqlite"))).toBe(true);
  }, 90_000);

  test("an empty (0-byte) actors.sqlite is refused the same way", async () => {
    const data_dir = dataDir();
    await stream(data_dir, `pay_install_empty`);
    removeActorDatabase(data_dir);
    writeFileSync(join(data_dir, "actors.sqlite"), "");
    expectRefused(await start(data_dir), join(data_dir, "actors.sqlite"), "is new or empty");
  }, 90_000);

  test("another installation's actors.sqlite is refused as foreign, naming both installations", async () => {
    const data_dir = dataDir();
    const other = dataDir();
    await stream(data_dir, `pay_install_one`);
    await stream(other, `pay_install_other`);
    removeActorDatabase(data_dir);
    copyFileSync(join(other, "actors.sqlite"), join(data_dir, "actors.sqlite"));
    expectRefused(await start(data_dir), join(data_dir, "actors.sqlite"), "belongs to installation", "not a pair");
  }, 120_000);

  test("a matching pair starts again", async () => {
    const data_dir = dataDir();
    await stream(data_dir, `pay_install_again`);
    await stream(data_dir, `pay_install_again_2`);
  }, 90_000);

  test("another installation's ingress.sqlite is refused: its acknowledged events are not this installation's", async () => {
    const data_dir = dataDir();
    const other = dataDir();
    await stream(data_dir, `pay_install_ingress`);
    await stream(other, `pay_install_ingress_other`);
    for (const suffix of ["-wal", "-shm"]) rmSync(join(data_dir, `ingress.sqlite${suffix}`), { force: true });
    copyFileSync(join(other, "ingress.sqlite"), join(data_dir, "ingress.sqlite"));
    expectRefused(await start(data_dir), join(data_dir, "ingress.sqlite"), "belongs to installation", "another installation's");
  }, 120_000);
});
