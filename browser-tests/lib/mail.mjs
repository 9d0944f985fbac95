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

/** Header fields (lower-case names, values decoded) and the decoded body of one entity. */
function parseEntity(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  let body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers = {};
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeHeader(line.slice(i + 1).trim());
  }
  // multipart/alternative (a newsletter's text and HTML): the body is the plain-text part.
  const boundary = /multipart\/[a-z]+;[^]*?boundary="?([^";\r\n]+)"?/i.exec(headers["content-type"] || "");
  if (boundary) {
    const parts = body.split(`--${boundary[1]}`).slice(1, -1).map((p) => parseEntity(p.replace(/^\r?\n/, "")));
    const text = parts.find((p) => /text\/plain/i.test(p.headers["content-type"] || "")) || parts[0];
    return { headers, body: text ? text.body : "", parts };
  }
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] || "")) body = decodeQuotedPrintable(body);
  if (/base64/i.test(headers["content-transfer-encoding"] || "")) body = Buffer.from(body, "base64").toString("utf8");
  return { headers, body, parts: [] };
}

/** Parses one mail file into { file, to, subject, headers, body, parts, links }. */
export function parseMail(file) {
  const { headers, body, parts } = parseEntity(fs.readFileSync(file, "utf8"));
  return {
    file,
    to: headers.to || "",
    subject: headers.subject || "",
    headers,
    body,
    parts,
    links: body.match(/https?:\/\/[^\s<>"]+/g) || [],
  };
}

/** The mails an SMTP test server stored in its Maildir (new/ and cur/), oldest first. */
export function maildirMails(maildir) {
  return ["new", "cur"]
    .flatMap((sub) => {
      const dir = path.join(maildir, sub);
      return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
    })
    .map((file) => ({ file, mtime: fs.statSync(file).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime)
    .map(({ file }) => parseMail(file));
}

/** Waits for a mail to `to` in a Maildir that `accept(mail)` takes; returns the mail. */
export async function waitForMaildirMail(maildir, to, accept, what, { timeout = 15_000 } = {}) {
  return until(
    () => maildirMails(maildir).reverse().find((m) => m.to.includes(to) && accept(m)) || null,
    `keine E-Mail an ${to} (${what}) im Maildir ${maildir}`,
    { timeout },
  );
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
