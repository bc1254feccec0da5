/**
 * Which pages an ActorDatabase's commits write, by table: reads the page number of every WAL
 * frame a commit appends, and names the pages by SQLite's dbstat table once `commits_max`
 * commits are counted (pages freed and reused later would be named wrongly, so the sample is
 * short). Commits while the WAL starts over (it is written from its start again) are skipped.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { WAL_FRAME_HEADER_BYTES, WAL_HEADER_BYTES, type ActorDatabase } from "../../actors/bun/actor-database.ts";

export function countWalPages(database: ActorDatabase, path: string, commits_max = 300): { report(): string } {
  const page_size = (database.db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  const frame_bytes = WAL_FRAME_HEADER_BYTES + page_size;
  const frames_by_page = new Map<number, number>();
  let commits = 0;
  let named: Map<string, number> | null = null;
  const walSize = () => {
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0;
    }
  };
  const commit = database.commit.bind(database);
  database.commit = () => {
    if (named !== null) return commit();
    const before = walSize();
    commit();
    const after = walSize();
    if (before < WAL_HEADER_BYTES || after <= before || (after - before) % frame_bytes !== 0) return;
    const descriptor = openSync(`${path}-wal`, "r");
    const header = Buffer.alloc(4);
    for (let offset = before; offset < after; offset += frame_bytes) {
      readSync(descriptor, header, 0, 4, offset);
      const page = header.readUInt32BE(0);
      frames_by_page.set(page, (frames_by_page.get(page) ?? 0) + 1);
    }
    closeSync(descriptor);
    commits += 1;
    if (commits === commits_max) named = name();
  };
  const name = () => {
    const pages = database.db.query("SELECT name, pagetype, pageno FROM dbstat").all() as Array<{ name: string; pagetype: string; pageno: number }>;
    const kind_of = new Map(pages.map((page) => [page.pageno, `${page.name} ${page.pagetype}`]));
    const frames_by_kind = new Map<string, number>();
    for (const [page, frames] of frames_by_page) {
      const kind = kind_of.get(page) ?? "free";
      frames_by_kind.set(kind, (frames_by_kind.get(kind) ?? 0) + frames);
    }
    return frames_by_kind;
  };
  return {
    report() {
      named ??= name();
      const total = [...named.values()].reduce((sum, frames) => sum + frames, 0);
      const kinds = [...named].sort((a, b) => b[1] - a[1]).map(([kind, frames]) => `${kind} ${(frames / Math.max(1, commits)).toFixed(1)}`);
      return `WAL pages a commit (${commits} commits sampled): ${(total / Math.max(1, commits)).toFixed(1)}: ${kinds.join(", ")}`;
    },
  };
}
