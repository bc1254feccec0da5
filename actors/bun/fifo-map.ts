/**
 * A map that also yields its oldest entry, in O(1) amortized. A plain Map iterates in
 * insertion order, but in Bun taking its first entry after many deletes slows down with the
 * number deleted (measured: 1.35 s per 100K dequeues with a 100K backlog, against 14 ms for
 * this), and backlogs here reach 100K.
 */
export class FifoMap<K, V> {
  private readonly entries = new Map<K, { value: V; generation: number }>();
  private order: Array<{ key: K; generation: number }> = [];
  private head = 0;
  private generation = 0;

  get size(): number {
    return this.entries.size;
  }

  /** Adds a key at the back; a key already present keeps its place and value. */
  add(key: K, value: V): void {
    if (this.entries.has(key)) return;
    this.generation += 1;
    this.entries.set(key, { value, generation: this.generation });
    this.order.push({ key, generation: this.generation });
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.order = [];
    this.head = 0;
  }

  /** The oldest entry still present. */
  first(): [K, V] | undefined {
    while (this.head < this.order.length) {
      const { key, generation } = this.order[this.head]!;
      const entry = this.entries.get(key);
      // An entry deleted (or deleted and added again later) leaves a stale slot behind.
      if (entry?.generation === generation) {
        this.compact();
        return [key, entry.value];
      }
      this.head += 1;
    }
    this.order = [];
    this.head = 0;
    return undefined;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
