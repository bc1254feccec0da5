/**
 * A sink writer: a Durable Object that owns a small Neon pool (`@neondatabase/serverless`
 * over WebSocket, through drizzle) and merges the rows of every actor that calls it into
 * batches (SinkBatcher), written idempotently (writeSinkRows). It keeps no storage: the
 * actors' outboxes are the durable part, and an actor retries a write that failed.
 *
 * A Durable Object, unlike a Worker request, may keep connections open across calls, and
 * while it awaits Postgres other calls come in and join the next batch.
 *
 * A write Postgres refuses for good (src/sink/classify-failure.ts) is answered as a value,
 * not thrown: an error crossing a Durable Object RPC keeps its message but not its class, and
 * the actor must know it is permanent to dead-letter the rows (stage `sink`) instead of
 * retrying them forever, as on the Bun host (sink-writers.ts turns it back into a PermanentError).
 */
import { DurableObject } from "cloudflare:workers";
import { isPermanent, TransientError } from "../../core/errors.ts";
import type { DeadLetterFilter } from "../../core/dead-letters.ts";
import type { AccountBalance, DeadLetterListing, SinkRows } from "../../core/postgres-rows.ts";
import { SinkBatcher } from "../../sink/batcher.ts";
import { sinkWriteError } from "../../sink/classify-failure.ts";
import type { SinkDatabase } from "../../sink/database.ts";
import { openNeon } from "../../sink/drivers/neon.ts";
import { ledgerAccounts, listDeadLetters, pingSink } from "../../sink/queries.ts";
import { writeSinkRows } from "../../sink/writer.ts";
import { recordKafkaDeadLettersPublished, unpublishedKafkaDeadLetters, type KafkaDeadLetterPublication } from "../../sink/kafka-dead-letter-publications.ts";
import type { CloudflareEnv } from "./env.ts";
import { actorConfig } from "./isolate.ts";

/** What a write answers: written, or refused for good with Postgres's reason. */
export type SinkWriteOutcome = { written: true } | { written: false; refused: string };

export class SinkWriterObject extends DurableObject<CloudflareEnv> {
  private opened: Promise<{ sink: SinkDatabase; batcher: SinkBatcher }> | null = null;

  async write(rows: SinkRows): Promise<SinkWriteOutcome> {
    const { batcher } = await this.open();
    try {
      await batcher.write(rows);
    } catch (error) {
      if (isPermanent(error)) return { written: false, refused: (error as Error).message };
      throw error;
    }
    return { written: true };
  }

  async listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterListing[]> {
    return listDeadLetters((await this.open()).sink, filter);
  }

  async ledgerAccounts(currency: string): Promise<AccountBalance[]> {
    return ledgerAccounts((await this.open()).sink, currency);
  }

  /** The Kafka dead-letter publisher's rows (the Kafka consumer object's calls). */
  async unpublishedKafkaDeadLetters(limit: number): Promise<DeadLetterListing[]> {
    return unpublishedKafkaDeadLetters((await this.open()).sink, limit);
  }

  async recordKafkaDeadLettersPublished(publications: KafkaDeadLetterPublication[]): Promise<void> {
    await recordKafkaDeadLettersPublished((await this.open()).sink, publications, Date.now());
  }

  /** A round trip to Postgres (`select 1`), whose cost does not grow with the data. */
  async health(): Promise<{ driver: string }> {
    const { sink } = await this.open();
    await pingSink(sink);
    return { driver: sink.driver };
  }

  private open() {
    this.opened ??= this.connect().catch((error: unknown) => {
      this.opened = null;
      throw error;
    });
    return this.opened;
  }

  private async connect() {
    const { sink: config } = actorConfig(this.env);
    if (config.database_url === null) {
      throw new TransientError("DATABASE_URL is not set: run `wrangler secret put DATABASE_URL`; outbox rows wait in their actors");
    }
    const options: { connections_max: number; ws_proxy?: string } = { connections_max: config.connections_per_writer };
    if (config.ws_proxy !== null) options.ws_proxy = config.ws_proxy;
    const sink = await openNeon(config.database_url, options);
    const batcher = new SinkBatcher({
      write: (rows) =>
        writeSinkRows(sink, rows).catch((error: unknown) => {
          throw sinkWriteError(error);
        }),
      writers_max: config.connections_per_writer,
      batch_rows_max: config.batch_rows_max,
    });
    return { sink, batcher };
  }
}
