/** @jsxImportSource hono/jsx */
/** The console's pages across payments: sign-in, confirmation, dead letters, ledger, ingest. */
import type { DeadLetterRow, AccountBalance } from "../../core/postgres-rows.ts";
import type { KafkaConsumersView } from "../ports.ts";
import { Badge, Empty, ErrorNotice, Money, Page } from "./layout.tsx";
import { accountsBalance } from "./ledger-checks.ts";
import { describeSource } from "./payment-page.tsx";

export function LoginPage(props: { error: string | null; next: string }) {
  return (
    <Page title="Sign in" section="login" csrf={null}>
      <section class="login" aria-labelledby="login-title">
        <h1 id="login-title">Sign in</h1>
        <p class="muted">The console is for operators holding the admin token (ADMIN_TOKEN).</p>
        {props.error && <ErrorNotice title="Not signed in." message={props.error} />}
        <form method="post" action="/console/login">
          <input type="hidden" name="next" value={props.next} />
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Page>
  );
}

export interface Confirmation {
  title: string;
  /** What will happen, in one sentence. */
  consequence: string;
  action: string;
  fields: Record<string, string>;
  button: string;
  cancel_href: string;
  danger?: boolean;
}

export function ConfirmPage(props: { confirmation: Confirmation; csrf: string }) {
  const { confirmation } = props;
  return (
    <Page title={confirmation.title} section="payment" csrf={props.csrf}>
      <section class="confirm" aria-labelledby="confirm-title">
        <h1 id="confirm-title">{confirmation.title}</h1>
        <p>{confirmation.consequence}</p>
        <form method="post" action={confirmation.action}>
          <input type="hidden" name="csrf" value={props.csrf} />
          <input type="hidden" name="confirm" value="yes" />
          {Object.entries(confirmation.fields).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <button type="submit" class={confirmation.danger ? "danger" : ""}>
            {confirmation.button}
          </button>{" "}
          <a href={confirmation.cancel_href}>Cancel</a>
        </form>
      </section>
    </Page>
  );
}

export function NotFoundPage(props: { csrf: string; title: string; message: string }) {
  return (
    <Page title={props.title} section="payment" csrf={props.csrf}>
      <h1>{props.title}</h1>
      <ErrorNotice title="Not found." message={props.message} />
    </Page>
  );
}

export interface DeadLetterQuery {
  reason: string;
  stage: string;
  since: string;
  status: string;
}

export function DeadLettersPage(props: { csrf: string; query: DeadLetterQuery; letters: DeadLetterRow[] | null; error: string | null; notice: string | null; limit: number }) {
  const { query } = props;
  const letters = props.letters ?? [];
  return (
    <Page title="Dead letters" section="dlq" csrf={props.csrf}>
      <h1>Dead letters <span class="count">across payments, from Postgres</span></h1>
      {props.notice && <div class="notice ok" role="status">{props.notice}</div>}
      {props.error && <ErrorNotice title="Filter refused." message={props.error} />}
      <form method="get" action="/console/dlq" class="filters" aria-label="Filter dead letters">
        <label for="f-reason">Reason</label>
        <input id="f-reason" name="reason" value={query.reason} placeholder="e.g. payment_blocked" />
        <label for="f-stage">Stage</label>
        <input id="f-stage" name="stage" value={query.stage} placeholder="e.g. state_machine" />
        <label for="f-since">Since</label>
        <input id="f-since" name="since" value={query.since} placeholder="2026-12-01 or RFC 3339" />
        <label for="f-status">Status</label>
        <select id="f-status" name="status">
          {["", "pending", "replayed", "discarded"].map((status) => (
            <option value={status} selected={status === query.status}>{status === "" ? "any" : status}</option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      <form method="post" action="/console/dlq/replay" class="inline-form">
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="reason" value={query.reason} />
        <input type="hidden" name="since" value={query.since} />
        <button type="submit">Replay pending matching the reason and since filters…</button>
        <span class="muted">shows how many it will touch before it does anything</span>
      </form>
      {letters.length === 0 ? (
        <Empty>No dead letter matches.</Empty>
      ) : (
        <table>
          <caption>{letters.length === props.limit ? `first ${letters.length} (the limit)` : `${letters.length} dead letters`}</caption>
          <thead><tr><th scope="col">Payment</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Stage</th><th scope="col">Error</th><th scope="col">Attempts</th><th scope="col">Source</th></tr></thead>
          <tbody>
            {letters.map((letter) => (
              <tr>
                <td><a href={`/console/payments/${encodeURIComponent(letter.payment_id)}`}><code>{letter.payment_id}</code></a></td>
                <td><code>{letter.event_id}</code></td>
                <td><Badge tone={letter.status === "pending" ? "bad" : "muted"}>{letter.status}</Badge></td>
                <td>{letter.reason}</td>
                <td>{letter.stage}</td>
                <td class="error"><code>{letter.error_class}</code> {letter.error_message}</td>
                <td class="num">{letter.attempts}</td>
                <td class="source">{describeSource(letter.source)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export function LedgerPage(props: { csrf: string; currency: string; accounts: AccountBalance[] | null; error: string | null }) {
  const accounts = props.accounts ?? [];
  const check = accountsBalance(accounts);
  return (
    <Page title={`Ledger ${props.currency}`} section="ledger" csrf={props.csrf}>
      <h1>Ledger <span class="count">accounts per currency, from Postgres</span></h1>
      <form method="get" action="/console/ledger" class="filters" aria-label="Choose a currency">
        <label for="l-currency">Currency</label>
        <input id="l-currency" name="currency" value={props.currency} maxlength={3} pattern="[A-Z]{3}" required />
        <button type="submit">Show</button>
      </form>
      {props.error && <ErrorNotice title="Refused." message={props.error} />}
      {accounts.length === 0 ? (
        <Empty>No account has moved money in {props.currency}.</Empty>
      ) : (
        <>
          <p>
            {check.balanced ? <Badge tone="ok">balanced</Badge> : <Badge tone="bad">NOT balanced</Badge>} pending debits {String(check.debits_pending)} vs credits {String(check.credits_pending)}; posted debits{" "}
            {String(check.debits_posted)} vs credits {String(check.credits_posted)}
          </p>
          <table>
            <thead><tr><th scope="col">Account</th><th scope="col" class="num">Debits pending</th><th scope="col" class="num">Debits posted</th><th scope="col" class="num">Credits pending</th><th scope="col" class="num">Credits posted</th><th scope="col" class="num">Net posted (credits − debits)</th></tr></thead>
            <tbody>
              {accounts.map((account) => (
                <tr>
                  <th scope="row"><code>{account.account}</code></th>
                  <td class="num"><Money amount={account.debits_pending} currency={null} /></td>
                  <td class="num"><Money amount={account.debits_posted} currency={null} /></td>
                  <td class="num"><Money amount={account.credits_pending} currency={null} /></td>
                  <td class="num"><Money amount={account.credits_posted} currency={null} /></td>
                  <td class="num"><Money amount={BigInt(account.credits_posted) - BigInt(account.debits_posted)} currency={props.currency} /></td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr><th scope="row">Total</th><td class="num">{String(check.debits_pending)}</td><td class="num">{String(check.debits_posted)}</td><td class="num">{String(check.credits_pending)}</td><td class="num">{String(check.credits_posted)}</td><td></td></tr>
            </tfoot>
          </table>
        </>
      )}
    </Page>
  );
}

export interface IgnoredEntry {
  provider?: string;
  type?: string;
  reason?: string;
  [field: string]: unknown;
}

export function IngestPage(props: { csrf: string; ignored: IgnoredEntry[] | null; kafka: KafkaConsumersView | null }) {
  const consumers = props.kafka?.consumers ?? [];
  return (
    <Page title="Ingest" section="kafka" csrf={props.csrf}>
      <h1>Ingest</h1>
      <section aria-labelledby="kafka-title">
        <h2 id="kafka-title">Kafka consumers <span class="count">{consumers.length}</span></h2>
        {consumers.length === 0 ? (
          <Empty>No Kafka consumer is configured on this host.</Empty>
        ) : (
          consumers.map((consumer) => (
            <table>
              <caption>group <code>{consumer.group}</code> · instance <code>{consumer.instance}</code> · {consumer.protocol}</caption>
              <thead><tr><th scope="col">Topic</th><th scope="col" class="num">Partition</th><th scope="col" class="num">Committed</th><th scope="col" class="num">Log end</th><th scope="col" class="num">Lag</th></tr></thead>
              <tbody>
                {consumer.partitions.map((partition) => (
                  <tr>
                    <td><code>{partition.topic}</code></td>
                    <td class="num">{partition.partition}</td>
                    <td class="num">{partition.committed_offset ?? "—"}</td>
                    <td class="num">{partition.log_end_offset ?? "—"}</td>
                    <td class="num">{partition.lag === null ? "—" : partition.lag > 0 ? <Badge tone="warn">{partition.lag}</Badge> : 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))
        )}
      </section>
      <section aria-labelledby="ignored-title">
        <h2 id="ignored-title">Ignored provider events <span class="count">latest {props.ignored?.length ?? 0}, acknowledged without a canonical event</span></h2>
        {props.ignored === null || props.ignored.length === 0 ? (
          <Empty>No provider event was ignored.</Empty>
        ) : (
          <table>
            <thead><tr>{Object.keys(props.ignored[0]!).map((field) => <th scope="col">{field}</th>)}</tr></thead>
            <tbody>
              {props.ignored.map((entry) => (
                <tr>{Object.keys(props.ignored![0]!).map((field) => <td><code>{typeof entry[field] === "object" ? JSON.stringify(entry[field]) : String(entry[field] ?? "—")}</code></td>)}</tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Page>
  );
}

export { Money };
