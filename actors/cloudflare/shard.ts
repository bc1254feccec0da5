/**
 * Which of `count` shards a key belongs to: FNV-1a (32 bit) of its UTF-16 code units, mod
 * count. Stable across isolates and deploys, so one payment's outbox keeps going to one sink
 * writer while the count is unchanged (a changed count only moves payments to another
 * writer; writes are idempotent, so nothing breaks).
 */
export function shardOf(key: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
