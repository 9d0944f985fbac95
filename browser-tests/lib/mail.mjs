// The portal's local mail folder: every mail is an .eml file (quoted-printable text).
import fs from "node:fs";
import path from "node:path";
import { until } from "./browser.mjs";

/**
 * RFC 2047 header value: unfolded, adjacent encoded words joined (the whitespace between
 * them is not part of the text), B and Q encoding decoded. A long subject with umlauts comes
 * as several encoded words on folded lines.
 */
function decodeHeader(value) {
  const word = /=\?utf-8\?([bq])\?([^?]*)\?=/gi;
  const bytes = (enc, text) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(text, "base64")
      : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1");
  return (
    value
      .replace(/\r?\n[ \t]+/g, " ")
      .replace(/(\?=)[ \t]+(?==\?)/g, "$1")
      // A run of encoded words is decoded as one byte string (a character may span two).
      .replace(/(?:=\?utf-8\?[bq]\?[^?]*\?=)+/gi, (run) =>
        Buffer.concat(Array.from(run.matchAll(word), (m) => bytes(m[1], m[2]))).toString("utf8"),
      )
  );
}

function decodeQuotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, "");
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Parses one .eml file into { file, to, subject, body, links }. */
export function parseMail(file) {
  const raw = fs.readFileSync(file, "utf8");
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split);
  let body = raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers = {};
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeHeader(line.slice(i + 1).trim());
  }
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] || "")) body = decodeQuotedPrintable(body);
  if (/base64/i.test(headers["content-transfer-encoding"] || "")) body = Buffer.from(body, "base64").toString("utf8");
  return {
    file,
    to: headers.to || "",
    subject: headers.subject || "",
    body,
    links: body.match(/https?:\/\/[^\s<>"]+/g) || [],
  };
}

/** All mails in the folder, oldest first. */
export function mails(mailDir) {
  if (!fs.existsSync(mailDir)) return [];
  return fs
    .readdirSync(mailDir)
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .map((f) => parseMail(path.join(mailDir, f)));
}

/** Waits for a mail to `to` with a link whose path contains `linkPart`; returns the link. */
export async function waitForMailLink(mailDir, to, linkPart, { timeout = 10_000 } = {}) {
  return until(
    () => {
      for (const mail of mails(mailDir).reverse()) {
        if (!mail.to.includes(to)) continue;
        const link = mail.links.find((l) => l.includes(linkPart));
        if (link) return link;
      }
      return null;
    },
    `keine E-Mail an ${to} mit einem Link ${linkPart} im Mail-Ordner ${mailDir} (${mails(mailDir).map((m) => `${m.to}: ${m.subject}`).join("; ") || "leer"})`,
    { timeout },
  );
}
