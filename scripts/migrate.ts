/**
 * `bun run migrate`: applies migrations/ to DATABASE_URL, or to the embedded PGlite in
 * `${DATA_DIR ?? "./data"}/postgres` when DATABASE_URL is unset or empty.
 */
import { migrateSink } from "../src/sink/migrate.ts";
import { openSink, pgliteDirectory, redactDatabaseUrl } from "../src/sink/open-sink.ts";

const database_url = process.env.DATABASE_URL?.trim() ?? "";
const data_dir = process.env.DATA_DIR || "./data";
const target = database_url === "" ? `PGlite in ${pgliteDirectory(data_dir)}` : redactDatabaseUrl(database_url);

const sink = await openSink({ database_url, data_dir, connections_max: 1 });
try {
  const result = await migrateSink(sink);
  if (result.applied.length === 0) {
    console.log(`${target}: up to date (${result.already_applied} migrations already applied)`);
  } else {
    console.log(`${target}: applied ${result.applied.join(", ")} (${result.already_applied} already applied)`);
  }
} catch (error) {
  console.error(`${target}: migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await sink.close();
}
