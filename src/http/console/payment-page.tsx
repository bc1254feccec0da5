/** @jsxImportSource hono/jsx */
/** One payment's story: GET /console/payments/:id, rendered from GET /payments/:id. */
import type { PaymentView } from "../../../actors/payment/inspect.ts";
import type { MessageSource } from "../../core/event.ts";
import { Badge, Empty, Money, Page } from "./layout.tsx";
import { journalBalance } from "./ledger-checks.ts";

const STATUS_TONE: Record<string, "ok" | "warn" | "bad" | "info" | "muted"> = {
  authorized: "info",
  captured: "ok",
  refunded: "muted",
  partially_refunded: "info",
  voided: "muted",
  failed: "bad",
  blocked: "bad",
  disputed: "warn",
};
const DECISION_TONE = { allow: "ok", review: "warn", block: "bad" } as const;

export function describeSource(source: MessageSource): string {
  switch (source.kind) {
    case "webhook":
      return source.provider
        ? `webhook ${source.source} · ${source.provider} ${source.provider_event_type ?? ""} ${source.provider_event_id ?? source.webhook_id}`.replace(/\s+/g, " ")
        : `webhook ${source.source} · ${source.webhook_id}`;
    case "kafka":
      return `kafka ${source.topic} · partition ${source.partition} · offset ${source.offset}`;
    case "replay":
      return `replay of ${describeSource(source.original)}`;
  }
}

export function PaymentPage(props: { view: PaymentView; csrf: string; notice?: string | null }) {
  const { view } = props;
  const currency = view.currency;
  return (
    <Page title={`Payment ${view.payment_id}`} section="payment" csrf={props.csrf}>
      {props.notice && (
        <div class="notice ok" role="status">
          {props.notice}
        </div>
      )}
      <section class="head" aria-labelledby="payment-title">
        <h1 id="payment-title">
          <span class="muted">Payment</span> <code>{view.payment_id}</code>{" "}
          {view.status ? <Badge tone={STATUS_TONE[view.status] ?? "info"}>{view.status}</Badge> : <Badge tone="muted">no event applied</Badge>}
        </h1>
        <dl class="facts">
          <div><dt>Currency</dt><dd>{currency ?? "—"}</dd></div>
          <div><dt>Merchant</dt><dd><code>{view.merchant_id ?? "—"}</code></dd></div>
          <div><dt>Customer</dt><dd><code>{view.customer_id ?? "—"}</code></dd></div>
          <div><dt>Events applied</dt><dd>{view.version}</dd></div>
          <div><dt>Waiting in inbox</dt><dd>{view.counts.inbox}</dd></div>
          <div><dt>Held</dt><dd>{view.counts.held}</dd></div>
          <div><dt>Dead letters</dt><dd>{view.counts.dead_letters}</dd></div>
          <div><dt>Outbox to Postgres</dt><dd>{view.outbox.pending} pending{view.outbox.pending > 0 ? `, oldest ${view.outbox.oldest_age_ms} ms` : ""}</dd></div>
        </dl>
        <table class="amounts">
          <caption>Amounts (minor units)</caption>
          <thead>
            <tr><th scope="col">Authorized</th><th scope="col">Captured</th><th scope="col">Refunded</th><th scope="col">Disputed</th><th scope="col">Fees</th></tr>
          </thead>
          <tbody>
            <tr>
              <td><Money amount={view.amounts.authorized} currency={currency} /></td>
              <td><Money amount={view.amounts.captured} currency={currency} /></td>
              <td><Money amount={view.amounts.refunded} currency={currency} /></td>
              <td><Money amount={view.amounts.disputed} currency={currency} /></td>
              <td><Money amount={view.amounts.fees} currency={currency} /></td>
            </tr>
          </tbody>
        </table>
        {view.outbox.last_error && <p class="notice warn">Outbox flush failing (attempt {view.outbox.flush_attempts}, next {view.outbox.next_flush_at}): {view.outbox.last_error}</p>}
      </section>

      <FraudSection view={view} csrf={props.csrf} />

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline <span class="count">{view.events.length} applied, in applied order</span></h2>
        {view.events.length === 0 ? (
          <Empty>No event applied yet.</Empty>
        ) : (
          <table>
            <thead>
              <tr><th scope="col">#</th><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Seq</th><th scope="col">Source</th><th scope="col">Occurred</th><th scope="col">Applied</th></tr>
            </thead>
            <tbody>
              {view.events.map((event) => (
                <tr>
                  <td class="num">{event.version}</td>
                  <td><code>{event.id}</code></td>
                  <td><code>{event.type}</code></td>
                  <td class="num">{event.sequence ?? "—"}</td>
                  <td class="source">{event.source ? describeSource(event.source as MessageSource) : "—"}</td>
                  <td><time>{event.occurred_at}</time></td>
                  <td><time>{event.applied_at}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {view.inbox.length > 0 && (
          <p class="muted">Waiting in the inbox: {view.inbox.map((message) => `${message.id} (${message.type}, accepted ${message.accepted_at})`).join("; ")}</p>
        )}
      </section>

      <section aria-labelledby="held-title">
        <h2 id="held-title">Held events <span class="count">{view.held.length}</span></h2>
        {view.held.length === 0 ? (
          <Empty>Nothing is waiting for an earlier event.</Empty>
        ) : (
          <table>
            <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Seq</th><th scope="col">Why</th><th scope="col">Held since</th><th scope="col">Gives up at</th></tr></thead>
            <tbody>
              {view.held.map((held) => (
                <tr><td><code>{held.id}</code></td><td><code>{held.type}</code></td><td class="num">{held.sequence ?? "—"}</td><td>{held.reason}</td><td><time>{held.held_at}</time></td><td><time>{held.deadline_at}</time></td></tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="retries-title">
        <h2 id="retries-title">Retries <span class="count">{view.retries.length}</span></h2>
        {view.retries.length === 0 ? (
          <Empty>No event is waiting for another attempt.</Empty>
        ) : (
          <table>
            <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">Last error</th></tr></thead>
            <tbody>
              {view.retries.map((retry) => (
                <tr><td><code>{retry.id}</code></td><td><code>{retry.type}</code></td><td class="num">{retry.attempts}</td><td><time>{retry.next_attempt_at ?? "when the dependency is back"}</time></td><td class="error">{String(retry.error ?? "—")}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="dead-title">
        <h2 id="dead-title">Dead letters <span class="count">{view.dead_letters.length}</span></h2>
        {view.dead_letters.length === 0 ? (
          <Empty>No dead letter.</Empty>
        ) : (
          <table>
            <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Reason</th><th scope="col">Stage</th><th scope="col">Error</th><th scope="col">Attempts</th><th scope="col">Failed</th><th scope="col">Source</th><th scope="col">Action</th></tr></thead>
            <tbody>
              {view.dead_letters.map((letter) => (
                <tr>
                  <td><code>{letter.event_id}</code></td>
                  <td><code>{letter.type}</code></td>
                  <td><Badge tone="bad">{letter.reason}</Badge></td>
                  <td>{letter.stage}</td>
                  <td class="error"><code>{letter.error.class}</code> {letter.error.message}</td>
                  <td class="num">{letter.attempts}</td>
                  <td><time>{letter.first_failed_at}</time>{letter.last_failed_at !== letter.first_failed_at && <> … <time>{letter.last_failed_at}</time></>}</td>
                  <td class="source">{describeSource(letter.source as MessageSource)}</td>
                  <td class="actions">
                    <DeadLetterAction payment_id={view.payment_id} event_id={letter.event_id} action="replay" csrf={props.csrf} />
                    <DeadLetterAction payment_id={view.payment_id} event_id={letter.event_id} action="discard" csrf={props.csrf} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="journals-title">
        <h2 id="journals-title">Ledger journals <span class="count">{view.journals.length}</span></h2>
        {view.journals.length === 0 ? (
          <Empty>No journal posted.</Empty>
        ) : (
          view.journals.map((journal) => {
            const balance = journalBalance(journal.transfers);
            return (
              <table class="journal">
                <caption>
                  <code>{journal.journal_id}</code> · event <code>{journal.event_id}</code> · <time>{journal.created_at}</time>{" "}
                  {balance.balanced ? <Badge tone="ok">balanced</Badge> : <Badge tone="bad">not balanced: {balance.problem}</Badge>}
                </caption>
                <thead><tr><th scope="col">Debit</th><th scope="col">Credit</th><th scope="col" class="num">Amount</th><th scope="col">Kind</th><th scope="col">Pending id</th></tr></thead>
                <tbody>
                  {journal.transfers.map((transfer) => (
                    <tr>
                      <td><code>{transfer.debit_account}</code></td>
                      <td><code>{transfer.credit_account}</code></td>
                      <td class="num"><Money amount={transfer.amount} currency={journal.currency} /></td>
                      <td><Badge tone={transfer.kind === "pending" ? "warn" : transfer.kind === "void_pending" ? "muted" : "ok"}>{transfer.kind}</Badge></td>
                      <td><code>{transfer.pending_id ?? "—"}</code></td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr><th scope="row" colspan={2}>Debits {balance.debits} = credits {balance.credits}</th><td colspan={3}></td></tr>
                </tfoot>
              </table>
            );
          })
        )}
      </section>
    </Page>
  );
}

function FraudSection(props: { view: PaymentView; csrf: string }) {
  const fraud = props.view.fraud;
  return (
    <section aria-labelledby="fraud-title">
      <h2 id="fraud-title">Fraud decision</h2>
      {fraud === null ? (
        <Empty>Not assessed yet (assessed when the payment is authorized).</Empty>
      ) : (
        <div class="fraud">
          <p>
            <Badge tone={DECISION_TONE[fraud.decision]}>{fraud.decision}</Badge> score <strong>{fraud.score}</strong> ·{" "}
            {fraud.origin === "override" ? `operator override of the rules' ${fraud.rules_decision ?? "decision"}` : "decided by the rules"} · <time>{fraud.decided_at}</time>
            {fraud.note && <> · note: “{fraud.note}”</>}
          </p>
          {fraud.degraded && <p class="notice warn">Degraded: decided without velocity ({fraud.degraded_reason ?? "velocity store unavailable"}).</p>}
          <dl class="facts">
            <div><dt>Rules fired</dt><dd>{fraud.rules_fired.length ? fraud.rules_fired.map((rule) => <code class="chip">{rule}</code>) : "none"}</dd></div>
            <div><dt>Shadow rules fired (not enforced)</dt><dd>{fraud.shadow_rules_fired.length ? fraud.shadow_rules_fired.map((rule) => <code class="chip">{rule}</code>) : "none"}</dd></div>
          </dl>
          <table class="attributes">
            <caption>Attribute values the rules saw</caption>
            <thead><tr><th scope="col">Attribute</th><th scope="col">Value</th></tr></thead>
            <tbody>
              {Object.entries(fraud.attributes).map(([name, value]) => (
                <tr><th scope="row"><code>{name}</code></th><td><code>{value === null ? "missing" : String(value)}</code></td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form method="post" action={`/console/payments/${encodeURIComponent(props.view.payment_id)}/fraud/override`} class="inline-form">
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="override-decision">Override decision</label>
        <select id="override-decision" name="decision">
          <option value="allow">allow</option>
          <option value="review">review</option>
          <option value="block">block</option>
        </select>
        <label for="override-note">Note</label>
        <input id="override-note" name="note" type="text" maxlength={1000} placeholder="why (kept with the decision)" />
        <button type="submit">Override…</button>
      </form>
    </section>
  );
}

function DeadLetterAction(props: { payment_id: string; event_id: string; action: "replay" | "discard"; csrf: string }) {
  const path = `/console/payments/${encodeURIComponent(props.payment_id)}/dlq/${encodeURIComponent(props.event_id)}/${props.action}`;
  return (
    <form method="post" action={path}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" class={props.action === "discard" ? "danger" : ""} aria-label={`${props.action === "replay" ? "Replay" : "Discard"} dead letter ${props.event_id}`}>
        {props.action === "replay" ? "Replay…" : "Discard…"}
      </button>
    </form>
  );
}
