/**
 * A test double of PaymentActorsPort.accept: idempotent by event id like the real actors
 * (test/suite/duplicate-changes-nothing.ts checks that on both hosts), and able to push back
 * with `inbox_full` or `overloaded` on demand.
 */
import type { MessageSource, PaymentEvent } from "../../src/core/event.ts";
import type { RefusedRecord } from "../../src/core/refused-record.ts";
import type { AcceptOutcome } from "../../src/http/ports.ts";

export class RecordingActors {
  readonly accepted: Array<{ event: PaymentEvent; source: MessageSource }> = [];
  /** Poison records put in their payment's dead letters, once per id. */
  readonly refused: RefusedRecord[] = [];
  readonly #ids = new Set<string>();
  /** Answers to give, in order, before accepting normally. */
  readonly push_back: Array<AcceptOutcome | "throw"> = [];
  calls = 0;

  async accept(event: PaymentEvent, source: MessageSource): Promise<AcceptOutcome> {
    this.calls += 1;
    const next = this.push_back.shift();
    if (next === "throw") throw new Error("storage is busy");
    if (next !== undefined) return next;
    if (this.#ids.has(event.id)) return "duplicate";
    this.#ids.add(event.id);
    this.accepted.push({ event, source });
    return "accepted";
  }

  async acceptDeadLetter(record: RefusedRecord): Promise<AcceptOutcome> {
    this.calls += 1;
    const next = this.push_back.shift();
    if (next === "throw") throw new Error("storage is busy");
    if (next !== undefined) return next;
    if (this.#ids.has(record.id)) return "duplicate";
    this.#ids.add(record.id);
    this.refused.push(record);
    return "accepted";
  }
}
