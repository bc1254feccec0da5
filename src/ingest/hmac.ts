/**
 * HMAC-SHA256 and the encodings providers sign with, on WebCrypto so that the same code runs
 * on Bun and on Cloudflare Workers. The Bun host may pass its native hasher instead
 * (see HmacSha256 in standard-webhooks.ts).
 */
import type { HmacSha256 } from "./standard-webhooks.ts";

const UTF8 = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return UTF8.encode(text);
}

export async function hmacSha256(key: Uint8Array, message: Uint8Array, hmac?: HmacSha256): Promise<Uint8Array> {
  if (hmac) return hmac(key, message);
  const imported = await crypto.subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, new Uint8Array(message)));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

export function equalConstantTime(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= left[index]! ^ right[index]!;
  return difference === 0;
}

const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})*$/;

export function hexDecode(text: string): Uint8Array | undefined {
  if (!HEX_PATTERN.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Number.parseInt(text.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

export function hexEncode(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard alphabet, padding optional; anything else (spaces included) is refused. */
export function base64Decode(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64_PATTERN.test(text) || text.length % 4 === 1) return undefined;
  try {
    const binary = atob(text.padEnd(Math.ceil(text.length / 4) * 4, "="));
    return Uint8Array.from(binary, (character) => character.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
