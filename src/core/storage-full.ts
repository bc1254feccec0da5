/**
 * The host's own disk has no room for what it must make durable (SQLITE_FULL, ENOSPC). Nothing
 * was acknowledged; the sender retries after `retry_after_s`, and the host resumes by itself
 * once space returns.
 */
export class StorageFullError extends Error {
  override readonly name = "StorageFullError";
  constructor(
    message: string,
    readonly retry_after_s: number,
  ) {
    super(message);
  }
}

/** Whether an error from a storage engine says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  const text = `${(error as { code?: unknown } | null)?.code ?? ""} ${error instanceof Error ? error.message : String(error)}`;
  return /SQLITE_FULL|ENOSPC|database or disk is full|no space left/i.test(text);
}
