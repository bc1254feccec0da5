/**
 * Neon's serverless driver: node-postgres over a WebSocket, the only Postgres transport a
 * Cloudflare Worker has. Uses the global `WebSocket` (Workers, Bun).
 */
import { Client, Pool, type ClientConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { SinkDatabase } from "../database.ts";

export interface NeonOptions {
  /**
   * `host:port` of a plain (`ws://`) WebSocket-to-TCP proxy such as Neon's wsproxy, for tests
   * and non-Neon Postgres; unset talks to Neon itself.
   */
  ws_proxy?: string;
  /** Connections the pool may open (default 2). */
  connections_max?: number;
  /** How long opening a connection may take (default 10 s). */
  connect_timeout_ms?: number;
  /** How long one statement may take, on the server and at the client (default 30 s). */
  statement_timeout_ms?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;

export async function openNeon(url: string, options: NeonOptions = {}): Promise<SinkDatabase> {
  // Without timeouts a connection that stops answering would hold its sink writer forever;
  // with them the write fails, and the actors' flushes retry it with backoff.
  const statement_timeout_ms = options.statement_timeout_ms ?? STATEMENT_TIMEOUT_MS;
  const pool = new Pool({
    connectionString: url,
    max: options.connections_max ?? 2,
    connectionTimeoutMillis: options.connect_timeout_ms ?? CONNECT_TIMEOUT_MS,
    statement_timeout: statement_timeout_ms,
    query_timeout: statement_timeout_ms + 5_000,
  });
  // Neon's Pool ignores the `Client` option (it assigns its own after construction), but it
  // creates clients lazily through this property.
  if (options.ws_proxy !== undefined) pool.Client = proxiedClient(options.ws_proxy);
  // node-postgres emits `error` for a broken idle connection; unheard, it would end the process.
  // The pool already discards that connection and the next query opens a fresh one.
  pool.on("error", () => {});
  let closing: Promise<void> | null = null;
  return {
    db: drizzle({ client: pool }),
    driver: "neon",
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

/**
 * The proxy settings go on each client rather than on the global `neonConfig`, so that two
 * pools in one process (two test targets) keep their own proxy.
 */
function proxiedClient(ws_proxy: string): typeof Client {
  return class ProxiedClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(config);
      this.neonConfig.wsProxy = (host, port) => `${ws_proxy}/v1?address=${host}:${port}`;
      this.neonConfig.useSecureWebSocket = false;
      this.neonConfig.pipelineTLS = false;
      this.neonConfig.pipelineConnect = false;
    }
  };
}
