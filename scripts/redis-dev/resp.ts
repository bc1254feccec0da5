/**
 * RESP2, the Redis wire protocol (https://redis.io/docs/latest/develop/reference/protocol-spec/):
 * commands are encoded as arrays of bulk strings; replies are parsed incrementally from
 * whatever bytes have arrived so far.
 */

/** A simple-string reply (`+OK`), kept apart from bulk strings: Upstash encodes them differently. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** An error reply (`-ERR ...`): Redis answered, and refused or failed the command. */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/** Bulk strings stay bytes: a value need not be UTF-8, and base64 must see the raw bytes. */
export type Reply = SimpleString | ErrorReply | number | Uint8Array | null | Reply[];

const CRLF = Buffer.from("\r\n");

export function encodeCommand(args: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? Buffer.from(arg, "utf8") : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** A protocol violation: the bytes are not RESP2, so the connection cannot be trusted further. */
class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

/**
 * Parses one reply starting at `offset`; null when the buffer holds only part of it.
 * Returns the reply and the offset just after it.
 */
export function parseReply(buffer: Buffer, offset: number): { reply: Reply; next: number } | null {
  const line_end = buffer.indexOf(CRLF, offset);
  if (line_end < 0) return null;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString("utf8", offset + 1, line_end);
  const after_line = line_end + 2;
  switch (type) {
    case "+":
      return { reply: new SimpleString(line), next: after_line };
    case "-":
      return { reply: new ErrorReply(line), next: after_line };
    case ":":
      return { reply: integer(line), next: after_line };
    case "$": {
      const length = integer(line);
      if (length < 0) return { reply: null, next: after_line };
      if (buffer.length < after_line + length + 2) return null;
      return { reply: new Uint8Array(buffer.subarray(after_line, after_line + length)), next: after_line + length + 2 };
    }
    case "*": {
      const count = integer(line);
      if (count < 0) return { reply: null, next: after_line };
      const items: Reply[] = [];
      let next = after_line;
      for (let index = 0; index < count; index += 1) {
        const item = parseReply(buffer, next);
        if (item === null) return null;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new ProtocolError(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function integer(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new ProtocolError(`not a RESP integer: ${JSON.stringify(text)}`);
  return Number(text);
}
