/**
 * Active ISO 4217 currency codes (List One, as published by the maintenance agency in 2026)
 * and the exponent of each one's minor unit: an amount of 1999 in USD (exponent 2) is 19.99.
 *
 * Left out on purpose: the entries whose minor unit is "N.A." (precious metals XAU, XAG, XPD,
 * XPT; bond-market units XBA to XBD; XDR, XSU, XUA; the test code XTS and "no currency" XXX).
 * Money here is always an integer number of minor units, which is undefined for them.
 *
 * Recently withdrawn codes are not accepted: ANG (replaced by XCG), BGN (Bulgaria adopted the
 * euro), CUC, HRK, SLL (redenominated to SLE), ZWL (replaced by ZWG).
 */

const EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND";
const EXPONENT_4 = "CLF UYW";
const EXPONENT_2 = [
  "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP",
  "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB",
  "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES",
  "KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR",
  "MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD",
  "RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP",
  "TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG",
].join(" ");

function exponentTable(): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  const groups: Array<[string, number]> = [
    [EXPONENT_0, 0],
    [EXPONENT_2, 2],
    [EXPONENT_3, 3],
    [EXPONENT_4, 4],
  ];
  for (const [codes, exponent] of groups) {
    for (const code of codes.split(" ")) table.set(code, exponent);
  }
  return table;
}

const EXPONENTS = exponentTable();

/** True for an active ISO 4217 code written in upper case ("USD"; not "usd", not "XAU"). */
export function isCurrencyCode(code: string): boolean {
  return EXPONENTS.has(code);
}

/** The minor-unit exponent of an active code (USD 2, JPY 0, KWD 3), else undefined. */
export function currencyExponent(code: string): number | undefined {
  return EXPONENTS.get(code);
}
