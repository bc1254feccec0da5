/** What the HTTP thread remembers of payments born since it started (fresh-payments.ts), on a clock the test moves. */
import { expect, test } from "bun:test";
import { FreshPayments } from "../../src/hosts/bun/fresh-payments.ts";

const limits = { inbox_messages_max: 3, dead_letters_max: 5 };

function freshOnClock(payments_max = 10) {
  let now = 0;
  const fresh = new FreshPayments(() => now, { payments_max, age_ms_max: 1_000 });
  return { fresh, advance: (ms: number) => (now += ms) };
}

test("a payment not born here is left to the storage", () => {
  const { fresh } = freshOnClock();
  expect(fresh.admission("pay_1", "e1", limits, "event")).toBeNull();
});

test("ids admitted since birth are duplicates, others accepted until a limit could be reached", () => {
  const { fresh } = freshOnClock();
  fresh.born("pay_1");
  expect(fresh.admission("pay_1", "e1", limits, "event")).toBe("accepted");
  fresh.admitted("pay_1", "e1");
  fresh.admitted("pay_1", "e2");
  expect(fresh.admission("pay_1", "e1", limits, "event")).toBe("duplicate");
  expect(fresh.admission("pay_1", "e3", limits, "event")).toBe("accepted");
  fresh.admitted("pay_1", "e3");
  // Three messages may all still wait: only the storage can tell whether the inbox is full.
  expect(fresh.admission("pay_1", "e4", limits, "event")).toBeNull();
  // A poison record does not enter the inbox; five could all be dead letters.
  expect(fresh.admission("pay_1", "kafka:t:0:1", limits, "dead_letter")).toBe("accepted");
});

test("a payment is forgotten once older than the age limit, or beyond the count limit, or after a rollback", () => {
  const { fresh, advance } = freshOnClock(2);
  fresh.born("pay_1");
  advance(600);
  fresh.born("pay_2");
  advance(600);
  expect(fresh.admission("pay_1", "e1", limits, "event")).toBeNull();
  expect(fresh.admission("pay_2", "e1", limits, "event")).toBe("accepted");
  fresh.born("pay_3");
  fresh.born("pay_4");
  expect(fresh.admission("pay_2", "e1", limits, "event")).toBeNull();
  expect(fresh.admission("pay_4", "e1", limits, "event")).toBe("accepted");
  fresh.forgetAll();
  expect(fresh.admission("pay_4", "e1", limits, "event")).toBeNull();
});
