/**
 * Infrastructure failures, classified by whether retrying can help (Restate's
 * TerminalError / RetryableError split). Business outcomes are never thrown.
 */
import type { ThrownErrorClass } from "./dead-letters.ts";

export class TransientError extends Error {
  override readonly name: string = "TransientError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class PermanentError extends Error {
  override readonly name = "PermanentError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Anything not explicitly permanent is treated as transient: retrying is the safe default. */
export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError;
}

/** The class of what was thrown (`error.name`), as dead letters and retries record it. */
export function errorClass(error: unknown): ThrownErrorClass {
  return (error instanceof Error ? error.name : typeof error) as ThrownErrorClass;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A shared dependency (Redis, Postgres) did not answer: unreachable, timed out, or a circuit
 * breaker knows it is down. Not the message's fault (DESIGN.md section 7): the actor retries
 * without spending the message's attempts. `retry_at_ms`, when known, is when to try again
 * (the breaker's next probe).
 */
export class DependencyUnavailableError extends TransientError {
  override readonly name = "DependencyUnavailableError";
  constructor(
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown; retry_at_ms?: number },
  ) {
    super(message, options);
    this.retry_at_ms = options?.retry_at_ms ?? null;
  }
  readonly retry_at_ms: number | null;
}

export function isDependencyUnavailable(error: unknown): error is DependencyUnavailableError {
  return error instanceof DependencyUnavailableError;
}
