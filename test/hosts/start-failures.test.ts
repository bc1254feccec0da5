/**
 * Every start failure of `npm start` is one `cannot start: ...` line naming the file, the
 * Postgres host and port, or the disk; the process exits non-zero within seconds, without a
 * stack trace (issue 12). Each case runs the real entry point (main.ts) as a child process.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = new URL("../../src/hosts/bun/main.ts", import.meta.url).pathname;
/** A start that fails must fail well within this (postgres.js's own connect timeout was 30 s). */
const EXIT_WAIT_MS = 20_000;

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
const dataDir = () => {
  const directory = mkdtempSync(join(tmpdir(), "start-failure-"));
  directories.push(directory);
  return directory;
};

async function start(env: Record<string, string>): Promise<{ exit_code: number | null; stderr: string }> {
  const child = Bun.spawn([process.execPath, "run", MAIN], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_WAIT_MS);
  const [stderr, exit_code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { exit_code: child.signalCode === "SIGKILL" ? null : exit_code, stderr };
}

function expectOneClearLine(result: { exit_code: number | null; stderr: string }, ...mentions: string[]): void {
  expect({ exit_code_nonzero: result.exit_code !== null && result.exit_code !== 0, stderr: result.stderr }).toMatchObject({ exit_code_nonzero: true });
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith("cannot start: ");
  expect(result.stderr).not.toMatch(/^\s+at /m);
  for (const mention of mentions) expect(lines[0]).toContain(mention);
}

async function closedPort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

describe("start failures", () => {
  test("DATABASE_URL at a closed port names the host and port", async () => {
    const port = await closedPort();
    const result = await start({ DATA_DIR: dataDir(), DATABASE_URL: `postgres://user:password@127.0.0.1:${port}/payments` });
    expectOneClearLine(result, `127.0.0.1:${port}`, "DATABASE_URL", "refused");
    expect(result.stderr).not.toContain("password");
  }, 30_000);

  test("DATABASE_URL at a host that does not resolve names the host", async () => {
    const result = await start({ DATA_DIR: dataDir(), DATABASE_URL: "postgres://user:password@no-such-host.invalid:5432/payments" });
    expectOneClearLine(result, "no-such-host.invalid:5432", "DATABASE_URL");
  }, 30_000);

  test("DATABASE_URL at a port that accepts and never answers fails within seconds, naming it", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const result = await start({ DATA_DIR: dataDir(), DATABASE_URL: `postgres://user:password@127.0.0.1:${silent.port}/payments` });
      expectOneClearLine(result, `127.0.0.1:${silent.port}`, "did not answer");
    } finally {
      silent.stop(true);
    }
  }, 30_000);

  test("a corrupt actors.sqlite names the file and the way to recover", async () => {
    const directory = dataDir();
    writeFileSync(join(directory, "actors.sqlite"), "this is not a SQLite database, it only has its name".repeat(100));
    const result = await start({ DATA_DIR: directory });
    expectOneClearLine(result, join(directory, "actors.sqlite"), "restore it from a backup");
  }, 30_000);

  test("a corrupt ingress.sqlite names the file", async () => {
    const directory = dataDir();
    writeFileSync(join(directory, "ingress.sqlite"), "garbage".repeat(1000));
    const result = await start({ DATA_DIR: directory });
    expectOneClearLine(result, join(directory, "ingress.sqlite"));
  }, 30_000);

  test("a start on a full disk names the disk", async () => {
    const mount_point = dataDir();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount_point]);
    } catch (error) {
      throw new Error(`this test mounts a 1 MiB tmpfs and needs root: ${(error as Error).message}`);
    }
    try {
      const directory = join(mount_point, "data");
      mkdirSync(directory);
      // Fill the disk: what is left cannot hold the embedded Postgres or the actor database.
      try {
        writeFileSync(join(mount_point, "filler"), new Uint8Array(1024 * 1024));
      } catch {}
      const generated = await start({ DATA_DIR: directory });
      expectOneClearLine(generated, directory, "full");
      // With nothing generated to write, the storage itself meets the full disk.
      const configured = await start({ DATA_DIR: directory, ADMIN_TOKEN: "a".repeat(32), WEBHOOK_SECRETS: '{"dev":["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}' });
      expectOneClearLine(configured, directory, "full");
    } finally {
      execFileSync("umount", [mount_point]);
    }
  }, 30_000);
});
