/** Epoch milliseconds as an ISO 8601 timestamp in UTC, the form every public JSON time takes. */
export const iso = (ms: number): string => new Date(ms).toISOString();
