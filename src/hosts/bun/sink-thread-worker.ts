/**
 * The Bun host's Postgres sink, on its own thread. Embedded PGlite runs Postgres as
 * WebAssembly on the thread that calls it; on the actor thread's event loop it would take
 * about 100 µs of every event from processing. A `postgres://` URL
 * runs here too, so both drivers behave the same to the host.
 */
import { errorClass, errorMessage } from "../../core/errors.ts";
import { sinkWriteError } from "../../sink/classify-failure.ts";
import type { SinkDatabase } from "../../sink/database.ts";
import { migrateSink } from "../../sink/migrate.ts";
import { claimInstallation, readInstallation } from "../../sink/installation.ts";
import { openSink } from "../../sink/open-sink.ts";
import { ledgerAccounts, listDeadLetters, pingSink } from "../../sink/queries.ts";
import { writeSinkRows } from "../../sink/writer.ts";
import { recordKafkaDeadLettersPublished, unpublishedKafkaDeadLetters } from "../../sink/kafka-dead-letter-publications.ts";
import type { SinkRows } from "../../core/postgres-rows.ts";
import type { SinkRequest, SinkResponse } from "./sink-thread-protocol.ts";
import { becomeWorkerThread } from "../../../actors/bun/thread-priority.ts";

declare const self: Worker;

becomeWorkerThread("sink");

let sink: SinkDatabase | null = null;

async function handle(request: SinkRequest): Promise<unknown> {
  switch (request.method) {
    case "open": {
      sink = await openSink(request.config);
      const migration = await migrateSink(sink);
      // Opening PGlite leaves hundreds of MiB of garbage (the WebAssembly bytes, the file
      // system bundle, on a first start initdb's whole instance), some of it still referenced
      // for a moment after the open: collected now and once more a second later, the host is
      // at its working size about a second after start instead of ten (measured: 550 MiB
      // resident for 10 s after a first start, then 193 MiB).
      Bun.gc(true);
      setTimeout(() => Bun.gc(true), 1_000);
      return migration;
    }
    case "write":
      return writeSinkRows(sink!, JSON.parse(request.rows_json) as SinkRows).catch((error: unknown) => {
        throw sinkWriteError(error);
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
