/**
 * Calls into a Durable Object from the ingress, retrying with a fresh stub when the call
 * failed for a reason of the platform rather than of the actor (DESIGN.md section 3):
 *
 * - `Durable Object reset because its code was updated` (a deploy) and every error with
 *   `.retryable === true`: retried up to `attempts_max` times with exponential backoff and
 *   jitter. Safe because acceptance dedupes by event id and inspection only reads. Operator
 *   calls are retried too: a retry after a reset that came after the commit finds the work
 *   done, so a replay or discard answers 404 and an override is recorded twice with the same
 *   decision; nothing is applied twice.
 * - `.overloaded === true`: Cloudflare advises against retrying an overloaded object, since
 *   retries add to its load. Overload is often brief (one hot payment), so one retry,
 *   after the longest backoff, rescues most requests at little cost; if it is still overloaded the caller gets a TransientError (HTTP 503 with Retry-After),
 *   never an unbounded queue.
 * - Anything else (an error thrown by the actor's own code, `.remote === true`) is not
 *   retried here.
 *
 * A stub that has thrown is broken for good (Cloudflare: create a new stub after an
 * exception), so every attempt asks `stubFor()` for a new one.
 */
import { cappedBackoffMs } from "../../src/core/retry-policy.ts";
import { errorMessage, TransientError } from "../../src/core/errors.ts";

export interface StubRetryOptions {
  attempts_max?: number;
  backoff_ms_initial?: number;
  backoff_ms_max?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const RESET_MESSAGE = /Durable Object reset because its code was updated/i;

export type PlatformFailure = "retryable" | "overloaded" | null;

/** Whether an error thrown by a stub call came from the platform, and which kind. */
export function platformFailure(error: unknown): PlatformFailure {
  if (typeof error !== "object" || error === null) return null;
  const flags = error as { retryable?: unknown; overloaded?: unknown };
  if (flags.overloaded === true) return "overloaded";
  if (flags.retryable === true || RESET_MESSAGE.test(errorMessage(error))) return "retryable";
  return null;
}

export async function callWithRetry<Stub, T>(stubFor: () => Stub, call: (stub: Stub) => Promise<T>, options: StubRetryOptions = {}): Promise<T> {
  const attempts_max = options.attempts_max ?? 4;
  const initial = options.backoff_ms_initial ?? 50;
  const backoff_max = options.backoff_ms_max ?? 1_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  let overloaded_once = false;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(stubFor());
    } catch (error) {
      const failure = platformFailure(error);
      if (failure === null) throw error;
      const out_of_attempts = failure === "overloaded" ? overloaded_once : attempt >= attempts_max;
      if (out_of_attempts) {
        throw new TransientError(`durable object unavailable after ${attempt} attempts (${failure}): ${errorMessage(error)}`, { cause: error });
      }
      if (failure === "overloaded") overloaded_once = true;
      const ceiling = failure === "overloaded" ? backoff_max : cappedBackoffMs(attempt, initial, backoff_max);
      // Full jitter: deliveries that failed together do not come back together.
      await sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2));
    }
  }
}
