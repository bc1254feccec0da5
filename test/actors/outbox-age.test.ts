import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { OutboxAge } from "../../actors/bun/outbox-age.ts";

function database(): Database {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE actor_rows (actor TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (actor, key))");
  return db;
}

const outbox = (db: Database, actor: string, key: string, created_at: number) =>
  db.query("INSERT INTO actor_rows (actor, key, value) VALUES (?, ?, ?)").run(actor, key, JSON.stringify({ created_at }));

test("the age of the oldest outbox entry of any actor, 0 when there is none", () => {
  const db = database();
  const age = new OutboxAge(db);
  expect(age.oldestAgeMs(10_000)).toBe(0);
  outbox(db, "p1", "outbox:0000000002", 9_000);
  outbox(db, "p2", "outbox:0000000001", 7_000);
  db.query("INSERT INTO actor_rows (actor, key, value) VALUES ('p3', 'state', ?)").run(JSON.stringify({ created_at: 1 }));
  expect(age.oldestAgeMs(11_000)).toBe(4_000);
});

test("the oldest entry is read at most once a second; the age grows from it in between", () => {
  const db = database();
  const age = new OutboxAge(db);
  outbox(db, "p1", "outbox:0000000001", 1_000);
  expect(age.oldestAgeMs(2_000)).toBe(1_000);
  db.query("DELETE FROM actor_rows").run();
  expect(age.oldestAgeMs(2_500)).toBe(1_500);
  expect(age.oldestAgeMs(3_000)).toBe(0);
  outbox(db, "p1", "outbox:0000000002", 3_200);
  expect(age.oldestAgeMs(3_500)).toBe(0);
  expect(age.oldestAgeMs(4_100)).toBe(900);
});
