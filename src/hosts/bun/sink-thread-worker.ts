/**
 * The Bun host's Postgres sink, on its own thread. Embedded PGlite runs Postgres as
 * WebAssembly on the thread that calls it; on the event loop it would take ~100 us of every
 * event from webhook acceptance. Here it uses the second core instead. A `postgres://` URL
 * runs here too, so both drivers behave the same to the host.
 */
import { errorClass, errorMessage, PermanentError } from "../../core/errors.ts";
import { classifySinkFailure } from "../../sink/classify-failure.ts";
import type { SinkDatabase } from "../../sink/database.ts";
import { migrateSink } from "../../sink/migrate.ts";
import { claimInstallation, readInstallation } from "../../sink/installation.ts";
import { openSink } from "../../sink/open-sink.ts";
import { countPaymentEvents, ledgerAccounts, listDeadLetters, pingSink } from "../../sink/queries.ts";
import { writeSinkRows } from "../../sink/writer.ts";
import { recordKafkaDeadLettersPublished, unpublishedKafkaDeadLetters } from "../../sink/kafka-dead-letter-publications.ts";
import type { SinkRequest, SinkResponse } from "./sink-thread-protocol.ts";

declare const self: Worker;

let sink: SinkDatabase | null = null;

async function handle(request: SinkRequest): Promise<unknown> {
  switch (request.method) {
    case "open": {
      sink = await openSink(request.config);
      return migrateSink(sink);
    }
    case "write":
      return writeSinkRows(sink!, request.rows).catch((error: unknown) => {
        const failure = classifySinkFailure(error);
        const message = `${failure.sqlstate === null ? "" : `SQLSTATE ${failure.sqlstate}: `}${errorMessage(deepestCause(error))}`;
        throw failure.kind === "permanent" ? new PermanentError(message) : new Error(message);
      });
    case "listDeadLetters":
      return listDeadLetters(sink!, request.filter);
    case "ledgerAccounts":
      return ledgerAccounts(sink!, request.currency);
    case "unpublishedKafkaDeadLetters":
      return unpublishedKafkaDeadLetters(sink!, request.limit);
    case "recordKafkaDeadLettersPublished":
      await recordKafkaDeadLettersPublished(sink!, request.publications, request.now);
      return null;
    case "countPaymentEvents":
      return countPaymentEvents(sink!);
    case "readInstallation":
      return readInstallation(sink!);
    case "claimInstallation":
      return claimInstallation(sink!, request.installation_id);
    case "ping":
      await pingSink(sink!);
      return null;
    case "close":
      await sink?.close();
      sink = null;
      return null;
  }
}

self.onmessage = async (message: MessageEvent<{ id: number; request: SinkRequest }>) => {
  const { id, request } = message.data;
  let response: SinkResponse;
  try {
    response = { id, ok: true, value: await handle(request) };
  } catch (error) {
    response = { id, ok: false, error_class: errorClass(error), error_message: errorMessage(error) };
  }
  self.postMessage(response);
};

/** drizzle wraps the driver's error ("Failed query: ..."); the driver's says what failed. */
function deepestCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && (current as { cause?: unknown } | null)?.cause !== undefined; depth += 1) current = (current as { cause: unknown }).cause;
  return current;
}
