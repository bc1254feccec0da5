import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "./scripts/lib/child-server.ts";
const rss = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`,"utf8"))![1]) / 1024);
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "memtl-"));
const t0 = performance.now();
const host = await startChildServer("src/hosts/bun/main.ts", { DATA_DIR: dir, ADMIN_TOKEN: "m".repeat(32) }, { ready_path: "/health" });
console.log("ready after", Math.round(performance.now() - t0), "ms");
const line: number[] = [];
for (let i = 0; i < 15; i++) { line.push(rss(host.process.pid)); await Bun.sleep(1000); }
console.log(dir, line.join(" "));
await host.stop();
