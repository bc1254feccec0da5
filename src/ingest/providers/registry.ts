/** Every provider kind a source can name (src/ingest/webhook-sources.ts), and its module. */
import type { WebhookProvider } from "../provider.ts";
import type { ProviderKind } from "../webhook-sources.ts";
import { adyenProvider } from "./adyen.ts";
import { checkoutProvider } from "./checkout.ts";
import { standardProvider } from "./standard.ts";
import { stripeProvider } from "./stripe.ts";

export const PROVIDERS: Readonly<Record<ProviderKind, WebhookProvider>> = {
  standard: standardProvider,
  stripe: stripeProvider,
  adyen: adyenProvider,
  checkout: checkoutProvider,
};
