/**
 * A real PostgreSQL for tests.
 *
 * - `TEST_DATABASE_URL` set: a fresh database `t_<random>` on that server per call, dropped by
 *   `stop()`.
 * - Otherwise the server binaries (`initdb`, `pg_ctl` on PATH, else the newest
 *   /usr/lib/postgresql/<version>/bin, which Debian's `postgresql` package installs): a
 *   throwaway cluster in a temp folder, trust auth, on 127.0.0.1 and a free port; `stop()`
 *   stops it by its PID and removes the folder.
 * - Neither: null, and the caller decides whether that is a skip or a failure.
 */
import { test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer | null> {
  const shared_url = process.env.TEST_DATABASE_URL?.trim();
  if (shared_url) return createDatabase(shared_url);
  const bin = findServerBinaries();
  if (bin === null) return null;
  return startCluster(bin);
}

/** `REQUIRE_POSTGRES=1` (CI) turns a missing PostgreSQL into a failure instead of a skip. */
export function postgresRequired(): boolean {
  return process.env.REQUIRE_POSTGRES === "1";
}

export const POSTGRES_MISSING =
  "no PostgreSQL: set TEST_DATABASE_URL or install the server binaries (Debian: apt-get install postgresql)";

export interface OptionalPostgres {
  server: PostgresServer | null;
  /** The server's URL; without a server (so REQUIRE_POSTGRES=1), an error saying why there is none. */
  url(): string;
  /**
   * A case that needs the server: skipped only where none can be had and none is required,
   * with the reason in its name, as the suites' skips have it.
   */
  test(name: string, run: () => Promise<void>, timeout_ms?: number): void;
}

/**
 * A server for a suite whose PostgreSQL cases may skip where none can be had (a laptop
 * without the binaries): the skip is announced with `what` and the reason; under
 * REQUIRE_POSTGRES=1 (CI) nothing skips, and a case that needs the server fails instead.
 */
export async function optionalPostgres(what: string): Promise<OptionalPostgres> {
  let server: PostgresServer | null = null;
  let error: string | null = null;
  try {
    server = await startPostgres();
  } catch (caught) {
    error = (caught as Error).message;
  }
  const missing = error ?? POSTGRES_MISSING;
  const skip = server === null && !postgresRequired();
  if (skip) console.warn(`${what} on PostgreSQL skipped: ${missing}`);
  return {
    server,
    url() {
      if (server === null) throw new Error(`REQUIRE_POSTGRES=1 but ${missing}`);
      return server.url;
    },
    test(name, run, timeout_ms) {
      // Never under CI: .ci/run sets REQUIRE_POSTGRES=1, so `skip` is false there and a missing
      // server fails the case instead. Elsewhere (a laptop without the binaries) it skips, and
      // says why in its name.
      if (skip) test.skip(`${name} (skipped: ${missing})`, run);
      else test(name, run, timeout_ms);
    },
  };
}

async function createDatabase(server_url: string): Promise<PostgresServer> {
  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(server_url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server_url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      const admin = postgres(server_url, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

function findServerBinaries(): string | null {
  const initdb = Bun.which("initdb");
  if (initdb !== null && Bun.which("pg_ctl") !== null) return join(initdb, "..");
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, "bin", "initdb")) && existsSync(join(root, version, "bin", "pg_ctl")))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length === 0 ? null : join(root, versions[0]!, "bin");
}

async function startCluster(bin: string): Promise<PostgresServer> {
  const folder = mkdtempSync(join(tmpdir(), "sink-postgres-"));
  const data = join(folder, "data");
  // PostgreSQL refuses to run as root; as root, run it as an unprivileged user who owns the folder.
  const as_user = userInfo().uid === 0 ? unprivilegedUser() : null;
  if (as_user !== null) {
    chownSync(folder, as_user.uid, as_user.gid);
    chmodSync(folder, 0o700);
  }
  const run = (command: string[]) => runAs(as_user?.name ?? null, command);
  let pid: number | null = null;
  const stop = async () => {
    if (pid !== null) await stopProcess(pid);
    pid = null;
    rmSync(folder, { recursive: true, force: true });
    process.off("exit", stopAtExit);
  };
  const stopAtExit = () => {
    if (pid !== null) signal(pid, "SIGQUIT");
  };
  process.on("exit", stopAtExit);
  try {
    await run([join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    const port = await freePort();
    const options = `-h 127.0.0.1 -p ${port} -k ${folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await run([join(bin, "pg_ctl"), "-D", data, "-l", join(folder, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
    pid = Number.parseInt(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]!, 10);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
  } catch (error) {
    const log = join(folder, "server.log");
    const detail = existsSync(log) ? `\n${readFileSync(log, "utf8").slice(-2000)}` : "";
    await stop();
    throw new Error(`could not start PostgreSQL from ${bin}: ${(error as Error).message}${detail}`);
  }
}

function unprivilegedUser(): { name: string; uid: number; gid: number } {
  for (const name of ["postgres", "nobody"]) {
    const id = Bun.spawnSync(["id", "-u", name]);
    const group = Bun.spawnSync(["id", "-g", name]);
    if (id.exitCode === 0 && group.exitCode === 0) {
      return { name, uid: Number(id.stdout.toString().trim()), gid: Number(group.stdout.toString().trim()) };
    }
  }
  throw new Error("running as root and found neither a postgres nor a nobody user to run PostgreSQL as");
}

async function runAs(user: string | null, command: string[]): Promise<void> {
  const argv = user === null ? command : ["runuser", "-u", user, "--", ...command];
  // pg_ctl's server keeps its own stdout; a pipe here would stay open until it exits.
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [exit_code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (exit_code !== 0) throw new Error(`${command[0]} exited with ${exit_code}: ${stderr.trim()}`);
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Fast shutdown (SIGINT), then immediate (SIGQUIT) if it lingers. */
async function stopProcess(pid: number): Promise<void> {
  signal(pid, "SIGINT");
  for (let waited_ms = 0; waited_ms < 10_000; waited_ms += 50) {
    if (!alive(pid)) return;
    if (waited_ms === 5_000) signal(pid, "SIGQUIT");
    await Bun.sleep(50);
  }
  signal(pid, "SIGKILL");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
