/**
 * The console's session cookie and CSRF tokens, both HMAC-SHA256 under a key derived from the
 * admin token: either host verifies them without storage, and changing ADMIN_TOKEN signs
 * every operator out.
 *
 * Cookie value: `<expires_at_s>.<base64url HMAC("console-session.<expires_at_s>")>`.
 * CSRF token:   base64url HMAC("console-csrf.<cookie value>"), so it is bound to one session.
 */
export const SESSION_COOKIE = "console_session";
export const SESSION_SECONDS = 8 * 60 * 60;

const encoder = new TextEncoder();

export interface ConsoleSigner {
  /** A new session cookie value valid until `now_ms + SESSION_SECONDS`. */
  issue(now_ms: number): Promise<string>;
  /** True when the value is one this key signed and it has not expired at `now_ms`. */
  verify(value: string, now_ms: number): Promise<boolean>;
  csrfToken(session_value: string): Promise<string>;
  verifyCsrf(session_value: string, token: string): Promise<boolean>;
}

export function consoleSigner(admin_token: string): ConsoleSigner {
  const key = crypto.subtle.importKey("raw", encoder.encode(`payment-actors console\u0000${admin_token}`), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  const sign = async (text: string) => base64url(new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(text))));
  // crypto.subtle.verify compares in constant time.
  const check = async (text: string, signature: string) => {
    const bytes = fromBase64url(signature);
    return bytes !== null && crypto.subtle.verify("HMAC", await key, bytes, encoder.encode(text));
  };
  return {
    async issue(now_ms) {
      const expires_at_s = Math.floor(now_ms / 1000) + SESSION_SECONDS;
      return `${expires_at_s}.${await sign(`console-session.${expires_at_s}`)}`;
    },
    async verify(value, now_ms) {
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!match) return false;
      const expires_at_s = Number(match[1]);
      if (expires_at_s * 1000 <= now_ms || expires_at_s * 1000 > now_ms + SESSION_SECONDS * 1000 + 60_000) return false;
      return check(`console-session.${expires_at_s}`, match[2]!);
    },
    csrfToken: (session_value) => sign(`console-csrf.${session_value}`),
    verifyCsrf: (session_value, token) => check(`console-csrf.${session_value}`, token),
  };
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return null;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/") + "=");
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}
