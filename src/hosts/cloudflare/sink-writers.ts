/**
 * Actors hand outbox rows to one of SINK_WRITER_COUNT sink-writer Durable Objects, chosen by a
 * hash of the payment id; each writer batches what it receives into Postgres over at most
 * SINK_CONNECTIONS_PER_WRITER connections. So Postgres sees at most
 * SINK_WRITER_COUNT x SINK_CONNECTIONS_PER_WRITER connections from the actors however many
 * payments exist: a payment actor never opens a connection, and the set of writers is fixed
 * by configuration, not by traffic. Reads across payments (GET /dlq, /ledger) go through
 * writer 0 and share its connections.
 */
import { callWithRetry } from "../../../actors/cloudflare/stub-retry.ts";
import { shardOf } from "../../../actors/cloudflare/shard.ts";
import type { OutboxSink } from "../../../actors/payment/payment-actor.ts";
import { PermanentError } from "../../core/errors.ts";
import type { SinkRows } from "../../core/postgres-rows.ts";
import type { SinkReaderPort } from "../../http/ports.ts";
import type { SinkWritersConfig } from "./config.ts";
import type { CloudflareEnv } from "./env.ts";

export function sinkWriter(env: CloudflareEnv, index: number) {
  return env.SINK_WRITERS.get(env.SINK_WRITERS.idFromName(`sink-writer-${index}`));
}

/** The OutboxSink of one payment actor: its writer, by hash of the payment id. */
export function outboxSink(env: CloudflareEnv, sink: SinkWritersConfig, payment_id: string): OutboxSink {
  const index = shardOf(payment_id, sink.writer_count);
  return { write: (rows) => writeToSinkWriter(env, index, rows) };
}

/** Writes rows through sink writer `index`; rows Postgres refuses for good reject with a PermanentError. */
export async function writeToSinkWriter(env: CloudflareEnv, index: number, rows: SinkRows): Promise<void> {
  const outcome = await callWithRetry(() => sinkWriter(env, index), (writer) => writer.write(rows));
  if (!outcome.written) throw new PermanentError(outcome.refused);
}

export function sinkReader(env: CloudflareEnv): SinkReaderPort {
  const writer = () => sinkWriter(env, 0);
  return {
    listDeadLetters: (filter) => callWithRetry(writer, (stub) => stub.listDeadLetters(filter)),
    ledgerAccounts: (currency) => callWithRetry(writer, (stub) => stub.ledgerAccounts(currency)),
  };
}
