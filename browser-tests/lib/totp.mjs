// What an authenticator app computes (RFC 6238 with RFC 4226's truncation: HMAC-SHA-1,
// 30-second steps, six digits), so journeys can sign in with the second factor.
import crypto from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The bytes of a base32 key as the portal shows it (groups of four, no padding). */
export function base32Bytes(key) {
  const out = [];
  let bits = 0;
  let value = 0;
  for (const c of key.replace(/[\s=]/g, "").toUpperCase()) {
    const index = ALPHABET.indexOf(c);
    if (index < 0) throw new Error(`kein Base32-Zeichen: ${c}`);
    value = ((value << 5) | index) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The six-digit code for `key` at `seconds` since the epoch. */
export function totp(key, seconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = crypto.createHmac("sha1", base32Bytes(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** Waits until the next 30-second step begins (a code is accepted once per step). */
export async function nextStep() {
  const ms = 30_000 - (Date.now() % 30_000) + 200;
  await new Promise((resolve) => setTimeout(resolve, ms));
}
