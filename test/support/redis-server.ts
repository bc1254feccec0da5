/**
 * A real Redis for tests, and the Upstash REST protocol in front of it.
 *
 * - `startRedis()`: `REDIS_URL` set (CI's .ci/run exports one): that server. Otherwise
 *   /usr/bin/redis-server (Debian's `redis-server` package) or `redis-server` on PATH, started
 *   on 127.0.0.1 and a free port, with no persistence, in a temp folder; `stop()` stops it by
 *   its PID. `startOwnRedis()` always starts one, for tests that kill and restart it.
 * - Neither: null. In CI (`CI=true`) the suites fail instead of skipping (`redisRequired()`).
 */
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisRestServer, type RedisRestServer } from "../../scripts/redis-dev/rest-server.ts";
import { RedisConnection } from "../../scripts/redis-dev/redis-connection.ts";

export interface RedisServer {
  url: string;
  /** Only for a server this module started: its PID, else null. */
  pid: number | null;
  /** Stops a started server (the data is gone: no persistence); a shared one is left running. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port (a started server only). */
  restart(): Promise<void>;
}

export const REDIS_MISSING = "no Redis: set REDIS_URL or install redis-server (Debian: apt-get install redis-server)";

export function redisRequired(): boolean {
  return process.env.CI === "true" || process.env.REQUIRE_REDIS === "1";
}

export function redisServerBinary(): string | null {
  if (existsSync("/usr/bin/redis-server")) return "/usr/bin/redis-server";
  return Bun.which("redis-server");
}

export async function startRedis(): Promise<RedisServer | null> {
  const shared = process.env.REDIS_URL?.trim();
  if (shared) {
    return { url: shared, pid: null, stop: async () => {}, restart: async () => { throw new Error("a shared REDIS_URL cannot be restarted"); } };
  }
  return startOwnRedis();
}

export interface OwnRedisOptions {
  /** "aof": an append-only file fsynced on every write, so a killed server restarts with its data. */
  persistence?: "none" | "aof";
}

export async function startOwnRedis(options: OwnRedisOptions = {}): Promise<RedisServer | null> {
  const binary = redisServerBinary();
  if (binary === null) return null;
  const folder = mkdtempSync(join(tmpdir(), "redis-test-"));
  const persistence = options.persistence === "aof" ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const argv = (port: number) => [binary, "--bind", "127.0.0.1", "--port", String(port), "--dir", folder, "--save", "", ...persistence, "--protected-mode", "no"];
  let child: Subprocess | null = null;
  let port = 0;
  const stopAtExit = () => child?.kill("SIGKILL");
  process.on("exit", stopAtExit);

  const launch = async (): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      if (port === 0 || attempt > 1) port = await freePort();
      child = Bun.spawn(argv(port), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      if (await answers(port, child)) return;
      child.kill("SIGKILL");
      await child.exited;
      if (attempt >= 5) throw new Error(`redis-server (${binary}) did not start on 127.0.0.1`);
    }
  };
  const stopChild = async (): Promise<void> => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    running.kill("SIGTERM");
    const exited = await Promise.race([running.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!exited) {
      running.kill("SIGKILL");
      await running.exited;
    }
  };

  await launch();
  const server: RedisServer = {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get pid() {
      return child?.pid ?? null;
    },
    async stop() {
      await stopChild();
      process.off("exit", stopAtExit);
      rmSync(folder, { recursive: true, force: true });
    },
    async restart() {
      await stopChild();
      // The same port, so clients pointed at it reconnect; retried while the old socket lingers.
      const same_port = port;
      for (let attempt = 1; attempt <= 50; attempt += 1) {
        child = Bun.spawn(argv(same_port), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
        if (await answers(same_port, child)) return;
        await child.exited;
        await Bun.sleep(100);
      }
      throw new Error(`redis-server did not restart on port ${same_port}`);
    },
  };
  return server;
}

/** Kills a started server at once (SIGKILL), as a crash would; restart() brings it back. */
export function killRedis(server: RedisServer): void {
  if (server.pid === null) throw new Error("only a server this module started can be killed");
  process.kill(server.pid, "SIGKILL");
}

export interface RedisWithRest {
  redis: RedisServer;
  rest: RedisRestServer;
  /** A direct RESP connection, for tests that look at keys and TTLs. */
  direct: RedisConnection;
  stop(): Promise<void>;
}

/** A Redis (shared or started) with the REST server in front of it; null without Redis. */
export async function startRedisWithRest(options: { own?: boolean } & OwnRedisOptions = {}): Promise<RedisWithRest | null> {
  const redis = options.own ? await startOwnRedis(options) : await startRedis();
  if (redis === null) return null;
  const rest = startRedisRestServer({ redis_url: redis.url, token: `test_${crypto.randomUUID()}` });
  const direct = new RedisConnection(redis.url);
  return {
    redis,
    rest,
    direct,
    async stop() {
      direct.close();
      await rest.stop();
      await redis.stop();
    },
  };
}

async function answers(port: number, child: Subprocess): Promise<boolean> {
  const connection = new RedisConnection(`redis://127.0.0.1:${port}`);
  try {
    for (let waited_ms = 0; waited_ms < 10_000; waited_ms += 50) {
      if (child.exitCode !== null) return false;
      try {
        const [reply] = await connection.send([["PING"]]);
        if (reply !== null && typeof reply === "object" && "value" in reply && reply.value === "PONG") return true;
      } catch {}
      await Bun.sleep(50);
    }
    return false;
  } finally {
    connection.close();
  }
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
