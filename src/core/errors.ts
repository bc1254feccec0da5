/**
 * Infrastructure failures, classified by whether retrying can help (Restate's
 * TerminalError / RetryableError split). Business outcomes are never thrown.
 */
export class TransientError extends Error {
  override readonly name = "TransientError";
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

export function errorClass(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
