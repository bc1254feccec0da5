/**
 * Provider events acknowledged without applying anything (an unmapped type, a refund not yet
 * succeeded, ...), kept so that a mapping gap is visible: the newest `entries_max` (LIST_ENTRIES_MAX) in memory,
 * listed by `GET /webhooks/ignored`, beside the `webhook_provider_events_ignored_total`
 * counter. Per process on the Bun host and per isolate on Cloudflare, and not kept across
 * restarts: the counter and this list are for noticing a gap; the provider's dashboard keeps
 * every delivery for replay once the mapping is fixed.
 */
import type { IgnoredProviderEvent } from "./provider.ts";

export interface IgnoredEventEntry extends IgnoredProviderEvent {
  source: string;
  provider: string;
  received_at: string;
}

export class IgnoredEvents {
  private readonly entries: IgnoredEventEntry[] = [];
  constructor(private readonly entries_max: number) {}

  record(entry: IgnoredEventEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.entries_max) this.entries.splice(0, this.entries.length - this.entries_max);
  }

  /** Newest first. */
  list(filter: { provider?: string; type?: string; limit: number }): IgnoredEventEntry[] {
    const found: IgnoredEventEntry[] = [];
    for (let index = this.entries.length - 1; index >= 0 && found.length < filter.limit; index -= 1) {
      const entry = this.entries[index]!;
      if (filter.provider !== undefined && entry.provider !== filter.provider) continue;
      if (filter.type !== undefined && entry.provider_event_type !== filter.type) continue;
      found.push(entry);
    }
    return found;
  }
}
