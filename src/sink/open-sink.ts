/**
 * Opens the Bun host's sink from configuration (DESIGN.md section 11): a `postgres://` URL
 * (Neon's included) goes through postgres.js over TCP; none means embedded PGlite in
 * `${data_dir}/postgres`. Drivers are loaded on demand so the unused SDK is never imported.
 */
import type { SinkDatabase } from "./database.ts";

/** Where the Bun host's sink lives (Cloudflare's sink writers: SinkWritersConfig). */
export interface SinkOpenOptions {
  /** Unset or empty: embedded PGlite. */
  database_url?: string | undefined;
  data_dir: string;
  /** Pool size for a URL (default 4). */
  connections_max?: number;
}

export async function openSink(config: SinkOpenOptions): Promise<SinkDatabase> {
  const url = config.database_url?.trim() ?? "";
  if (url === "") {
    const { openPglite } = await import("./drivers/pglite.ts");
    return openPglite(pgliteDirectory(config.data_dir));
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`DATABASE_URL must start with postgres:// or postgresql://, found "${url.slice(0, 20)}..."`);
  }
  const { openPostgres } = await import("./drivers/postgres.ts");
  return openPostgres(url, { connections_max: config.connections_max ?? 4 });
}

/** A DATABASE_URL fit to print: the password replaced by `***`, the user kept. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

export function pgliteDirectory(data_dir: string): string {
  return `${data_dir.replace(/\/+$/, "")}/postgres`;
}
