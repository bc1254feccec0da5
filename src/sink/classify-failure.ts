/**
 * Whether a failed sink write can succeed by retrying. Postgres says so in its SQLSTATE
 * class: a data exception (22), an integrity violation (23), a statement the schema cannot
 * take (42) or a limit exceeded (54) fails the same way every time, as does a stack overflow
 * while serialising a row; everything else (connections, shutdowns, locks, resources) may
 * pass on a later attempt, and retrying is the safe default.
 */
import { errorMessage, PermanentError } from "../core/errors.ts";

const PERMANENT_SQLSTATE_CLASSES = new Set(["22", "23", "42", "54"]);

type SinkFailureKind = "permanent" | "transient";

function classifySinkFailure(error: unknown): { kind: SinkFailureKind; sqlstate: string | null } {
  for (let cause = error, depth = 0; cause !== null && cause !== undefined && depth < 8; depth += 1) {
    if (cause instanceof RangeError) return { kind: "permanent", sqlstate: null };
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
      return { kind: PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2)) ? "permanent" : "transient", sqlstate: code };
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return { kind: "transient", sqlstate: null };
}

/**
 * The error a sink writer hands back for a failed write: a PermanentError when Postgres will
 * never take these rows (the actor dead-letters them with stage `sink`), else a plain Error
 * (retried); the message names the SQLSTATE and the driver's own words, not drizzle's wrapper.
 */
export function sinkWriteError(error: unknown): Error {
  const failure = classifySinkFailure(error);
  const message = `${failure.sqlstate === null ? "" : `SQLSTATE ${failure.sqlstate}: `}${errorMessage(deepestCause(error))}`;
  return failure.kind === "permanent" ? new PermanentError(message) : new Error(message);
}

/** drizzle wraps the driver's error ("Failed query: ..."); the driver's says what failed. */
function deepestCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && (current as { cause?: unknown } | null)?.cause !== undefined; depth += 1) current = (current as { cause: unknown }).cause;
  return current;
}
