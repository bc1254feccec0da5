import { PGlite } from "@electric-sql/pglite";
import { openSync, writeSync, closeSync, rmSync, statfsSync } from "node:fs";
const dir = "/tmp/pgl-exp/m/pg";
const t0 = performance.now();
const db = new PGlite(dir);
await db.waitReady;
console.log("ready ms", performance.now() - t0, "free", statfsSync("/tmp/pgl-exp/m").bavail * 4096);
await db.exec("create table if not exists t (id serial primary key, v text)");
const fd = openSync("/tmp/pgl-exp/m/filler", "w"); const chunk = new Uint8Array(65536);
try { for (;;) writeSync(fd, chunk); } catch (e) { console.log("filled", (e as any).code); } closeSync(fd);
for (let i = 0; i < 50; i++) {
  try { await db.query("insert into t (v) select repeat('x', 1000) from generate_series(1, 2000)"); }
  catch (e) { console.log("insert fail", i, (e as Error).message.slice(0, 200)); break; }
}
rmSync("/tmp/pgl-exp/m/filler");
try { const r = await db.query("insert into t (v) values ('after') returning id"); console.log("after ok", r.rows); } catch (e) { console.log("after fail", (e as Error).message.slice(0, 300)); }
try { const r = await db.query("select count(*) from t"); console.log("count", r.rows); } catch (e) { console.log("count fail", (e as Error).message.slice(0, 300)); }
await db.close().catch((e) => console.log("close fail", e.message));
