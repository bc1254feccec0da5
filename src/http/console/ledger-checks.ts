/** Whether a journal's transfers, or a currency's accounts, balance: what the console shows as a check. */
export interface JournalBalance {
  debits: number;
  credits: number;
  balanced: boolean;
  problem: string | null;
}

interface TransferLike {
  debit_account: string;
  credit_account: string;
  amount: number;
}

/** Every transfer debits one account and credits another by the same positive integer amount. */
export function journalBalance(transfers: readonly TransferLike[]): JournalBalance {
  let debits = 0;
  let credits = 0;
  let problem: string | null = null;
  for (const transfer of transfers) {
    if (!Number.isSafeInteger(transfer.amount) || transfer.amount < 0) problem ??= `amount ${transfer.amount} is not a non-negative integer`;
    if (transfer.debit_account === transfer.credit_account) problem ??= `${transfer.debit_account} is both debited and credited`;
    debits += transfer.amount;
    credits += transfer.amount;
  }
  if (debits !== credits) problem ??= `debits ${debits} differ from credits ${credits}`;
  return { debits, credits, balanced: problem === null, problem };
}

export interface AccountTotals {
  debits_pending: bigint | number | string;
  debits_posted: bigint | number | string;
  credits_pending: bigint | number | string;
  credits_posted: bigint | number | string;
}

/** Across all accounts of one currency, pending debits equal pending credits and posted debits equal posted credits. */
export function accountsBalance(accounts: readonly AccountTotals[]) {
  const sum = (field: keyof AccountTotals) => accounts.reduce((total, account) => total + BigInt(account[field]), 0n);
  const totals = {
    debits_pending: sum("debits_pending"),
    credits_pending: sum("credits_pending"),
    debits_posted: sum("debits_posted"),
    credits_posted: sum("credits_posted"),
  };
  return { ...totals, balanced: totals.debits_pending === totals.credits_pending && totals.debits_posted === totals.credits_posted };
}
