import { test, expect } from "bun:test";
import { Miniflare } from "miniflare";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  constructor(ctx, env) { super(ctx, env); }
  async bump() {
    const n = (this.ctx.storage.kv.get("n") ?? 0) + 1;
    this.ctx.storage.kv.put("n", n);
    this.ctx.storage.setAlarm(Date.now() + 50);
    return n;
  }
  async read() { return { n: this.ctx.storage.kv.get("n"), fired: this.ctx.storage.kv.get("fired") ?? 0, alarm: await this.ctx.storage.getAlarm(), list: Array.from(this.ctx.storage.kv.list({prefix: "n"})) }; }
  async alarm() { this.ctx.storage.kv.put("fired", (this.ctx.storage.kv.get("fired") ?? 0) + 1); }
}
export default {
  async fetch(request, env) {
    const stub = env.COUNTER.get(env.COUNTER.idFromName("a"));
    const url = new URL(request.url);
    if (url.pathname === "/bump") return Response.json(await stub.bump());
    return Response.json(await stub.read());
  }
};`;

test("spike: Miniflare starts workerd from bun:test, with a SQLite Durable Object that persists across a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spike-"));
  const options = {
    modules: true, script, compatibilityDate: "2026-04-01",
    durableObjects: { COUNTER: { className: "Counter", useSQLite: true } },
    durableObjectsPersist: dir, host: "127.0.0.1", port: 0,
  };
  let mf = new Miniflare(options);
  const url = await mf.ready;
  console.log("url", url.href);
  const t0 = performance.now();
  console.log(await (await fetch(new URL("/bump", url))).json());
  console.log(await (await mf.dispatchFetch("http://x/bump")).json());
  await Bun.sleep(200);
  console.log(await (await fetch(new URL("/read", url))).json(), performance.now() - t0);
  await mf.dispose();
  mf = new Miniflare(options);
  const url2 = await mf.ready;
  console.log(await (await fetch(new URL("/read", url2))).json());
  const ns = await mf.getDurableObjectNamespace("COUNTER");
  const stub = ns.get(ns.idFromName("a"));
  console.log("rpc via proxy", await (stub as any).read());
  await mf.dispose();
}, 30000);
