import { isCurrencyCode } from "../../src/core/currency.ts";

/** Every code the currency module accepts, found by asking it of every three upper-case letters, sorted. */
export function currencyCodes(): string[] {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const codes: string[] = [];
  for (const first of letters) for (const second of letters) for (const third of letters) {
    const code = first + second + third;
    if (isCurrencyCode(code)) codes.push(code);
  }
  return codes;
}
