/** Builders for SinkRows in sink tests: small, valid rows with overridable fields. */
import { errorClass, PermanentError } from "../../src/core/errors.ts";
import type { MessageSource } from "../../src/core/event.ts";
import { iso } from "../../src/core/time.ts";
import { emptySinkRows, type DeadLetterListing, type DeadLetterRow, type FraudDecisionRow, type JournalRow, type PaymentEventRow, type PaymentRow, type SinkRows, type TransferRow } from "../../src/core/postgres-rows.ts";

export const AT = "2026-11-21T10:00:00.000Z";
/** AT as SinkRows times are: epoch milliseconds. */
export const AT_MS = Date.parse(AT);
const SOURCE: MessageSource = { kind: "webhook", source: "dev", webhook_id: "msg_1" };

/** A dead letter as GET /dlq lists it: the row with its times as ISO 8601 strings. */
export function listed(row: DeadLetterRow): DeadLetterListing {
  return { ...row, first_failed_at: iso(row.first_failed_at), last_failed_at: iso(row.last_failed_at), updated_at: iso(row.updated_at) };
}

export function rowsOf(rows: Partial<SinkRows>): SinkRows {
  return { ...emptySinkRows(), ...rows };
}

export function paymentRow(payment_id: string, revision: number, fields: Partial<PaymentRow> = {}): PaymentRow {
  return {
    payment_id,
    status: "authorized",
    currency: "USD",
    merchant_id: "m_1",
    customer_id: "c_1",
    amount_authorized: 1000,
    amount_captured: 0,
    amount_refunded: 0,
    amount_disputed: 0,
    amount_fees: 0,
    fraud_decision: "allow",
    version: revision,
    revision,
    updated_at: AT_MS,
    ...fields,
  };
}

export function eventRow(event_id: string, payment_id: string, version: number, fields: Partial<PaymentEventRow> = {}): PaymentEventRow {
  return {
    event_id,
    payment_id,
    type: "payment.authorized",
    sequence: version,
    occurred_at: AT_MS,
    applied_at: AT_MS,
    version,
    source: SOURCE,
    event: {
      id: event_id,
      type: "payment.authorized",
      payment_id,
      sequence: version,
      occurred_at: AT,
      data: { amount: 1000, currency: "USD", merchant_id: "m_1", card: { fingerprint: "fp_1", country: "US" } },
    },
    ...fields,
  };
}

export function journalRow(journal_id: string, payment_id: string, currency = "USD"): JournalRow {
  return { journal_id, payment_id, event_id: journal_id, currency, created_at: AT_MS };
}

export function transferRow(
  transfer_id: string,
  kind: TransferRow["kind"],
  amount: number,
  fields: Partial<TransferRow> = {},
): TransferRow {
  return {
    transfer_id,
    journal_id: `journal_${transfer_id}`,
    payment_id: "pay_1",
    debit_account: "psp:clearing",
    credit_account: "merchant:m_1:payable",
    currency: "USD",
    amount,
    kind,
    pending_id: null,
    pending_amount: 0,
    created_at: AT_MS,
    ...fields,
  };
}

export function fraudRow(payment_id: string, n: number, fields: Partial<FraudDecisionRow> = {}): FraudDecisionRow {
  return {
    decision_id: `${payment_id}/fraud/${n}`,
    payment_id,
    event_id: `evt_${payment_id}_1`,
    decision: "allow",
    score: 0,
    rules_fired: [],
    shadow_rules_fired: ["card_country_mismatch"],
    attributes: { amount: 1000, card_country: "US", ip_country: null, first_seen: true },
    origin: "rules",
    note: null,
    degraded: false,
    degraded_reason: null,
    decided_at: AT_MS,
    ...fields,
  };
}

export function deadLetterRow(payment_id: string, event_id: string, version: number, fields: Partial<DeadLetterRow> = {}): DeadLetterRow {
  return {
    payment_id,
    event_id,
    version,
    status: "pending",
    reason: "invalid_transition",
    stage: "apply",
    error_class: errorClass(new PermanentError("refused")),
    error_message: "payment.captured is not valid after created",
    attempts: 1,
    source: SOURCE,
    message: { id: event_id, type: "payment.captured", payment_id },
    first_failed_at: AT_MS,
    last_failed_at: AT_MS,
    updated_at: AT_MS,
    ...fields,
  };
}

/** A payment's whole life in rows: authorize 1000, capture 600 with fee 50, one dead letter. */
export function paymentLifeRows(payment_id: string, merchant_id = "m_1"): SinkRows {
  const payable = `merchant:${merchant_id}:payable`;
  const hold = `${payment_id}/hold`;
  return rowsOf({
    payments: [
      paymentRow(payment_id, 1, { merchant_id }),
      paymentRow(payment_id, 2, { merchant_id, status: "captured", amount_captured: 600, amount_fees: 50 }),
    ],
    payment_events: [
      eventRow(`evt_${payment_id}_1`, payment_id, 1),
      eventRow(`evt_${payment_id}_2`, payment_id, 2, { type: "payment.captured" }),
    ],
    ledger_journals: [journalRow(`evt_${payment_id}_1`, payment_id), journalRow(`evt_${payment_id}_2`, payment_id)],
    ledger_transfers: [
      transferRow(hold, "pending", 1000, { payment_id, credit_account: payable }),
      transferRow(`${payment_id}/capture`, "post_pending", 600, {
        payment_id,
        credit_account: payable,
        pending_id: hold,
        pending_amount: 1000,
      }),
      transferRow(`${payment_id}/fee`, "posted", 50, { payment_id, debit_account: payable, credit_account: "revenue:fees" }),
    ],
    fraud_decisions: [fraudRow(payment_id, 1)],
    dead_letters: [deadLetterRow(payment_id, `evt_${payment_id}_9`, 1)],
  });
}
