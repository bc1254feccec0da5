/** A client that went away mid-request is the client's doing: counted, not an internal error. */
export function isClientDisconnect(error: unknown, request: Request): boolean {
  if (request.signal.aborted) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || (error as { code?: unknown } | null)?.code === "ECONNRESET";
}
