/**
 * The provider sources every HTTP suite runner configures through WEBHOOK_SOURCES, and how
 * the suite sends to them: signed by the providers' own libraries (provider-payloads.ts).
 */
import { adyenHmacKey, adyenNotification, checkoutSecret, checkoutSignature, signAdyenItem, stripeSecret, stripeSignature } from "./provider-payloads.ts";
import { REQUEST_TIMEOUT_MS } from "./http-target.ts";

export interface ProviderCredentials {
  stripe: { source: string; secret: string; secret_previous: string };
  adyen: { source: string; hmac_key: string; basic_auth: string };
  checkout: { source: string; secret: string };
}

/** Fresh credentials and the WEBHOOK_SOURCES value that configures them. */
export function providerSources(): { credentials: ProviderCredentials; webhook_sources: string } {
  const credentials: ProviderCredentials = {
    stripe: { source: "stripe", secret: stripeSecret(), secret_previous: stripeSecret() },
    adyen: { source: "adyen", hmac_key: adyenHmacKey(), basic_auth: `adyen_user:${crypto.randomUUID()}` },
    checkout: { source: "checkout", secret: checkoutSecret() },
  };
  const webhook_sources = JSON.stringify({
    [credentials.stripe.source]: { provider: "stripe", secrets: [credentials.stripe.secret_previous, credentials.stripe.secret], merchant_id: "m_stripe_default" },
    [credentials.adyen.source]: { provider: "adyen", secrets: [credentials.adyen.hmac_key], basic_auth: credentials.adyen.basic_auth },
    [credentials.checkout.source]: { provider: "checkout", secrets: [credentials.checkout.secret] },
  });
  return { credentials, webhook_sources };
}

export async function sendStripe(
  url: string,
  credentials: ProviderCredentials,
  event: object,
  options: { secret?: string; timestamp_s?: number; signature?: string | null } = {},
): Promise<Response> {
  const body = JSON.stringify(event);
  const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
  const signature = options.signature === undefined ? await stripeSignature(body, options.secret ?? credentials.stripe.secret, options.timestamp_s) : options.signature;
  if (signature !== null) headers.set("stripe-signature", signature);
  return fetch(`${url}/webhooks/${credentials.stripe.source}`, { method: "POST", headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

/** Signs every item with the source's key (or `hmac_key` for the items listed in `signed_with`). */
export async function sendAdyen(
  url: string,
  credentials: ProviderCredentials,
  items: Array<Record<string, any>>,
  options: { signed_with?: Map<number, string>; basic_auth?: string | null } = {},
): Promise<Response> {
  const signed = items.map((item, index) => signAdyenItem(item, options.signed_with?.get(index) ?? credentials.adyen.hmac_key));
  const headers = new Headers({ "content-type": "application/json" });
  const basic = options.basic_auth === undefined ? credentials.adyen.basic_auth : options.basic_auth;
  if (basic !== null) headers.set("authorization", `Basic ${btoa(basic)}`);
  return fetch(`${url}/webhooks/${credentials.adyen.source}`, {
    method: "POST",
    headers,
    body: JSON.stringify(adyenNotification(signed)),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

export function sendCheckout(url: string, credentials: ProviderCredentials, event: object, secret = credentials.checkout.secret): Promise<Response> {
  const body = JSON.stringify(event);
  return fetch(`${url}/webhooks/${credentials.checkout.source}`, {
    method: "POST",
    headers: { "content-type": "application/json", "cko-signature": checkoutSignature(body, secret) },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}
