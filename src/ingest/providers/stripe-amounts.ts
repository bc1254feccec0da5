/**
 * Stripe amounts to ISO 4217 minor units. Stripe's API uses the ISO minor unit for almost every
 * currency (JPY 0, USD 2, KWD/BHD/JOD/OMR/TND 3, as our table in src/core/currency.ts says),
 * with two documented exceptions (https://docs.stripe.com/currencies):
 *
 * - MGA is zero-decimal at Stripe, two-decimal in ISO 4217: Stripe 500 is ISO 50000.
 * - ISK is two-decimal at Stripe "for backwards compatibility" (Stripe 100 is 1 krona, and
 *   amounts must be multiples of 100), zero-decimal in ISO 4217: Stripe 500 is ISO 5.
 *
 * Problem code: `invalid_amount`, `invalid_currency`.
 */
import { currencyExponent } from "../../core/currency.ts";
import { fail, ok, type Result } from "../../core/result.ts";

/** Where Stripe's exponent differs from ISO 4217's. */
export const STRIPE_EXPONENTS: Readonly<Record<string, number>> = { MGA: 0, ISK: 2 };

export function stripeCurrency(currency: unknown): Result<string> {
  if (typeof currency !== "string") return fail("invalid_currency", `currency must be a string, got ${typeof currency}`);
  const code = currency.toUpperCase();
  if (currencyExponent(code) === undefined) return fail("invalid_currency", `currency ${JSON.stringify(currency)} is not an active ISO 4217 code`);
  return ok(code);
}

export function isoAmount(amount: unknown, currency: string, field: string): Result<number> {
  if (!Number.isSafeInteger(amount) || (amount as number) < 0) {
    return fail("invalid_amount", `${field} must be a non-negative integer, got ${JSON.stringify(amount)}`);
  }
  const iso = currencyExponent(currency)!;
  const stripe = STRIPE_EXPONENTS[currency] ?? iso;
  const value = amount as number;
  if (stripe === iso) return ok(value);
  if (stripe < iso) return ok(value * 10 ** (iso - stripe));
  const divisor = 10 ** (stripe - iso);
  if (value % divisor !== 0) {
    return fail("invalid_amount", `${field} ${value} ${currency} is not a whole number of ISO minor units (Stripe requires multiples of ${divisor})`);
  }
  return ok(value / divisor);
}
