/**
 * Start-up failures as one line an operator can act on (`cannot start: ...`), naming the file,
 * the Postgres host and port, or the variable, instead of a stack trace. Errors cross the
 * actor and sink threads as messages, so they are recognised by their text; what opens a
 * file wraps its failure with `openingFile` so that the line names the file.
 */
import { statfsSync } from "node:fs";
import { pgliteDirectory } from "../../sink/open-sink.ts";

const MARK = "cannot start: ";

/** Bytes free below which a failed start is blamed on a full disk. */
const DISK_FREE_BYTES_MIN = 1024 * 1024;

export interface StartContext {
  data_dir: string;
  database_url?: string | undefined;
  host: string;
  port: number;
}

/** Runs `open`, turning its failure into a start failure that names `path` and what to do. */
export function openingFile<T>(path: string, what: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw new Error(MARK + describeFileFailure(path, what, error));
  }
}

function describeFileFailure(path: string, what: string, error: unknown): string {
  const message = firstLine(error);
  if (/full|ENOSPC/i.test(message)) return `${path} (${what}): the disk is full (${message}); free space and start again`;
  if (/malformed|not a database|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(message)) {
    const rebuild = what === "the actor database" ? ", or rebuild it from Postgres with `npm run recover -- --force` (which moves it aside)" : "";
    return `${path} (${what}) is not a readable SQLite database (${message}); move it aside and restore it from a backup${rebuild} (a new empty one is refused while Postgres holds events)`;
  }
  if (/EACCES|EPERM|readonly|permission/i.test(message)) return `${path} (${what}) cannot be written (${message}); check its owner and mode`;
  return `${path} (${what}): ${message}`;
}

/** One line, without the `cannot start: ` prefix. */
export function describeStartFailure(error: unknown, context: StartContext): string {
  const message = firstLine(error);
  const marked = message.indexOf(MARK);
  if (marked >= 0) return message.slice(marked + MARK.length);
  const disk = fullDisk(context.data_dir);
  if (disk !== null) return `${disk} (${message})`;
  const postgres = postgresAddress(context.database_url);
  if (postgres !== null) {
    if (/ECONNREFUSED/.test(message)) return `Postgres at ${postgres} (DATABASE_URL) refused the connection: is it running and listening there?`;
    if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|DNS/i.test(message)) return `the host of DATABASE_URL (${postgres}) does not resolve: ${message}`;
    if (/CONNECT_TIMEOUT|ETIMEDOUT|timed? ?out/i.test(message)) return `Postgres at ${postgres} (DATABASE_URL) did not answer in time: ${message}`;
    if (/password|authentication|SASL|role .* does not exist/i.test(message)) return `Postgres at ${postgres} (DATABASE_URL) refused the credentials: ${message}`;
    if (/database .* does not exist/i.test(message)) return `Postgres at ${postgres} (DATABASE_URL): ${message}`;
  }
  if (/EADDRINUSE|address already in use|port .* in use/i.test(message)) return `${context.host}:${context.port} (HOST, PORT) is already in use: ${message}`;
  if (/PGlite/i.test(message)) return `embedded Postgres in ${pgliteDirectory(context.data_dir)} (DATA_DIR) did not open: ${message}`;
  return message;
}

/** A configuration problem (it names its variable), with the full disk said when it is one. */
export function describeConfigFailure(message: string, data_dir: string): string {
  const disk = /ENOSPC/.test(message) ? fullDisk(data_dir) : null;
  return disk === null ? message : `${disk} (${message})`;
}

/** `host:port` of a postgres:// URL, or null without one. */
export function postgresAddress(database_url: string | undefined): string | null {
  if (database_url === undefined || database_url.trim() === "") return null;
  try {
    const url = new URL(database_url);
    return `${url.hostname}:${url.port === "" ? "5432" : url.port}`;
  } catch {
    return "the DATABASE_URL host";
  }
}

/** Which Postgres the host uses, as an operator knows it: `host:port (DATABASE_URL)`, or the embedded one's directory. */
export function describePostgres(database_url: string | undefined, data_dir: string): string {
  return postgresAddress(database_url)?.concat(" (DATABASE_URL)") ?? `${pgliteDirectory(data_dir)} (embedded PGlite)`;
}

/** A sentence saying the disk of `data_dir` is full, or null if it has room (or cannot be asked). */
export function fullDisk(data_dir: string): string | null {
  try {
    const stats = statfsSync(data_dir);
    const free_bytes = Number(stats.bavail) * Number(stats.bsize);
    if (free_bytes >= DISK_FREE_BYTES_MIN) return null;
    return `the disk holding DATA_DIR (${data_dir}) is full: ${Math.floor(free_bytes / 1024)} KiB free; free space and start again`;
  } catch {
    return null;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? "").trim() || (error instanceof Error ? error.name : "unknown error");
}
