/**
 * The production Worker (the bundle `wrangler deploy` uploads, built by scripts/build-worker.ts)
 * on workerd through Miniflare, with its Durable Objects persisted in a temporary folder and
 * its sink writers talking to a real PostgreSQL through Neon's driver and a local
 * WebSocket-to-TCP proxy (test/support/ws-tcp-proxy.ts). Without PostgreSQL binaries it falls
 * back to PGlite behind pglite-socket (one connection, so one sink writer).
 *
 * Durable Object bindings are read from wrangler.toml, so a binding missing there fails here.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWorker } from "../../scripts/build-worker.ts";
import { migrateSink } from "../../src/sink/migrate.ts";
import { openPostgres } from "../../src/sink/drivers/postgres.ts";
import { drizzle } from "drizzle-orm/pglite";
import type { SinkDatabase } from "../../src/sink/database.ts";
import { randomWebhookSecret, type HttpTarget } from "./http-target.ts";
import { providerSources } from "./provider-sources.ts";
import { POSTGRES_MISSING, postgresRequired, startPostgres } from "./postgres-server.ts";
import { startWsTcpProxy } from "./ws-tcp-proxy.ts";
import { startWorkerd, type WorkerdInstance } from "./workerd-miniflare.ts";

export interface WorkerdHostOptions {
  /** Vars and secrets beyond the defaults below (strings, as wrangler gives them). */
  variables?: Record<string, string>;
  /** Leave WEBHOOK_SECRETS or ADMIN_TOKEN unset, to see the Worker refuse. */
  omit?: string[];
}

export interface WorkerdHost extends HttpTarget {
  workerd: WorkerdInstance;
  /** The same database the Worker writes, opened from the test process. */
  database: SinkDatabase;
  database_kind: "postgresql" | "pglite";
  sink_writer_count: number;
}

let bundle: Promise<string> | null = null;

/** Bundles once per test process. */
export function workerBundle(): Promise<string> {
  bundle ??= buildWorker(mkdtempSync(join(tmpdir(), "worker-dist-"))).then((built) => built.script_path);
  return bundle;
}

export function durableObjectBindings(): Record<string, string> {
  const config = Bun.TOML.parse(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8")) as {
    durable_objects: { bindings: Array<{ name: string; class_name: string }> };
  };
  return Object.fromEntries(config.durable_objects.bindings.map((binding) => [binding.name, binding.class_name]));
}

export async function startWorkerdHost(options: WorkerdHostOptions = {}): Promise<WorkerdHost> {
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    const database = await startDatabase(cleanup);
    const persist_directory = mkdtempSync(join(tmpdir(), "workerd-host-"));
    cleanup.push(() => rmSync(persist_directory, { recursive: true, force: true }));
    const secrets = [randomWebhookSecret(), randomWebhookSecret()] as const;
    const admin_token = `adm_${crypto.randomUUID()}`;
    const providers = providerSources();
    const sink_writer_count = database.kind === "pglite" ? 1 : 2;
    const variables: Record<string, string> = {
      WEBHOOK_SECRETS: JSON.stringify({ dev: secrets, other: [randomWebhookSecret()] }),
      WEBHOOK_SOURCES: providers.webhook_sources,
      ADMIN_TOKEN: admin_token,
      DATABASE_URL: database.url,
      DATABASE_WS_PROXY: `127.0.0.1:${database.proxy_port}`,
      SINK_WRITER_COUNT: String(sink_writer_count),
      SINK_CONNECTIONS_PER_WRITER: "1",
      BODY_BYTES_MAX: String(32 * 1024),
      HOLD_TIMEOUT_MS: "1000",
      ...options.variables,
    };
    for (const name of options.omit ?? []) delete variables[name];
    const workerd = await startWorkerd({
      script_path: await workerBundle(),
      durable_objects: durableObjectBindings(),
      persist_directory,
      bindings: variables,
    });
    cleanup.push(() => workerd.stop());
    let stopping: Promise<void> | null = null;
    return {
      url: workerd.url(),
      admin_token,
      webhook_secret: secrets[1],
      webhook_secret_previous: secrets[0],
      providers: providers.credentials,
      body_bytes_max: Number(variables.BODY_BYTES_MAX),
      hold_timeout_ms: Number(variables.HOLD_TIMEOUT_MS),
      workerd,
      database: database.sink,
      database_kind: database.kind,
      sink_writer_count,
      stop() {
        stopping ??= runCleanup(cleanup);
        return stopping;
      },
    };
  } catch (error) {
    await runCleanup(cleanup);
    throw error;
  }
}

async function startDatabase(cleanup: Array<() => Promise<void> | void>) {
  const server = await startPostgres();
  if (server !== null) {
    cleanup.push(() => server.stop());
    const address = new URL(server.url);
    const proxy = await startWsTcpProxy({ host: address.hostname, port: Number(address.port) });
    cleanup.push(() => proxy.stop());
    const sink = await openPostgres(server.url, { connections_max: 2 });
    cleanup.push(() => sink.close());
    await migrateSink(sink);
    return { kind: "postgresql" as const, url: server.url, proxy_port: proxy.port, sink };
  }
  if (postgresRequired()) throw new Error(POSTGRES_MISSING);
  // PGlite is one session: migrate through it first, then serve it on one socket connection.
  const pglite = new PGlite();
  cleanup.push(() => pglite.close());
  const sink: SinkDatabase = { db: drizzle({ client: pglite }) as never, driver: "pglite", close: async () => {} };
  await migrateSink(sink);
  const socket = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await socket.start();
  cleanup.push(() => socket.stop());
  const address = socket.getServerConn();
  const proxy = await startWsTcpProxy({ host: address.split(":")[0]!, port: Number(address.split(":")[1]) });
  cleanup.push(() => proxy.stop());
  return { kind: "pglite" as const, url: `postgres://postgres@${address}/postgres`, proxy_port: proxy.port, sink };
}

async function runCleanup(cleanup: Array<() => Promise<void> | void>): Promise<void> {
  for (const step of cleanup.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      console.error("workerd host cleanup step failed:", error);
    }
  }
}
