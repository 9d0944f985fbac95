// Journey 8: the newsletter, with the portal's mails going through the real SMTP test server
// (scripts/smtp-test-server.sh: CSP_TEST_SMTP, CSP_TEST_SMTP_MAILDIR). (8a) With JavaScript:
// a visitor enters an address in the footer of the start page, opens the confirmation link
// as mailed and confirms; an address already on the list and an unknown one get the same
// page; the operator sends an issue (`csp-function admin newsletter send FILE`), which
// arrives through SMTP with List-Unsubscribe headers; the test unsubscribes as a mail
// program does (RFC 8058 one-click POST) and the export no longer lists the address.
// (8b) Without JavaScript: the footer leads to the arithmetic question, then the same
// confirmation; unsubscribing by the link's button. axe: 0 violations on the newsletter
// page (empty and with errors), the answer page, the confirmation and the unsubscribe page.
import { test } from "node:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { waitForMaildirMail } from "../lib/mail.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";

const SMTP = process.env.CSP_TEST_SMTP;
const MAILDIR = process.env.CSP_TEST_SMTP_MAILDIR;
if (!SMTP || !MAILDIR) {
  throw new Error("CSP_TEST_SMTP und CSP_TEST_SMTP_MAILDIR fehlen: erst eval \"$(scripts/smtp-test-server.sh)\" (scripts/browser-test tut das)");
}

const env = portalAndBrowser("newsletter", { smtp: SMTP });

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** The footer's newsletter form. */
const footerForm = (page) => page.getByRole("contentinfo").locator("form[action='/api/newsletter']");

async function subscribeInFooter(page, url, email) {
  await page.goto(url);
  const form = footerForm(page);
  await form.getByLabel("Ihre E-Mail-Adresse").fill(email);
  await form.getByRole("button", { name: "Newsletter abonnieren" }).click();
}

/** The answer page as a person reads it: address, heading and the text of the main part. */
async function answerPage(page) {
  await page.waitForURL(/\/api\/hinweis\/newsletter-angefordert$/, { timeout: 20_000 });
  return {
    url: new URL(page.url()).pathname,
    heading: (await page.getByRole("heading", { level: 1 }).textContent()).trim(),
    main: (await page.getByRole("main").innerText()).replace(/\s+/g, " ").trim(),
  };
}

const linkTo = (mail, part) => mail.links.find((l) => l.includes(part));

test("Journey 8a: Newsletter aus der Fußzeile, Bestätigung per Mail, Ausgabe per SMTP, Ein-Klick-Abmeldung", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Newsletter");
  const email = `leser-${unique()}@musterstadt.example`;

  await step("Seite „Newsletter abonnieren“: leer und mit Fehlern axe-sauber", async () => {
    await page.goto(`${portal.url}/api/newsletter`);
    await expectAxeClean(page, "Newsletter (leer)");
    await page.getByRole("main").getByLabel("Ihre E-Mail-Adresse").fill("keine-adresse");
    await page.getByRole("main").getByRole("button", { name: "Newsletter abonnieren" }).click();
    await until(async () => (await page.locator(".error-summary:not([hidden]) li").count()) >= 1, "keine Fehlerübersicht");
    await expectAxeClean(page, "Newsletter (mit Fehlern)");
  });

  let first;
  await step("Adresse in der Fußzeile der Startseite eintragen: Antwortseite", async () => {
    await subscribeInFooter(page, `${portal.url}/`, email);
    first = await answerPage(page);
    if (first.heading !== "Bitte sehen Sie in Ihr Postfach") throw new Error(`Überschrift „${first.heading}“`);
    await expectAxeClean(page, "Antwortseite");
  });

  await step("Bestätigungslink aus dem Maildir öffnen und bestätigen", async () => {
    const mail = await waitForMaildirMail(MAILDIR, email, (m) => m.subject.includes("Newsletter-Abonnement"), "Bestätigungslink");
    const link = linkTo(mail, "/api/newsletter/bestaetigen?token=");
    if (!link) throw new Error(`kein Bestätigungslink in: ${mail.body}`);
    await page.goto(link);
    await expectText(page.getByRole("heading", { level: 1 }), "Newsletter-Abonnement bestätigen");
    await expectAxeClean(page, "Bestätigungsseite");
    await page.getByRole("button", { name: "Abonnement bestätigen" }).click();
    await page.waitForURL(/newsletter-bestaetigt$/);
    await expectText(page.getByRole("heading", { level: 1 }), "Newsletter abonniert");
  });

  await step("Export listet die bestätigte Adresse (CSV für Excel: BOM, Semikolon)", async () => {
    const csv = await portal.admin("newsletter", "export");
    if (!csv.startsWith("\ufeffE-Mail-Adresse;")) throw new Error(`Kopfzeile: ${JSON.stringify(csv.slice(0, 40))}`);
    if (!csv.split(/\r?\n/).some((line) => line.startsWith(`${email};`))) throw new Error(`${email} fehlt im Export:\n${csv}`);
  });

  await step("Dieselbe (schon bestätigte) und eine unbekannte Adresse: dieselbe Seite", async () => {
    await subscribeInFooter(page, `${portal.url}/ueber/`, email);
    const repeated = await answerPage(page);
    await subscribeInFooter(page, `${portal.url}/cloud-services/`, `unbekannt-${unique()}@amt.example`);
    const unknown = await answerPage(page);
    for (const [label, other] of [["wiederholt", repeated], ["unbekannt", unknown]]) {
      if (JSON.stringify(other) !== JSON.stringify(first)) {
        throw new Error(`Antwort (${label}) weicht ab:\n${JSON.stringify(other)}\nstatt\n${JSON.stringify(first)}`);
      }
    }
    const notice = await waitForMaildirMail(MAILDIR, email, (m) => m.subject === "Sie erhalten den Newsletter bereits", "Hinweis");
    if (!linkTo(notice, "/api/newsletter/abmelden?token=")) throw new Error("der Hinweis nennt keinen Weg zum Abbestellen");
  });

  const subject = `Neues im Cloud-Service-Portal ${unique()}`;
  await step("Betreiber sendet eine Ausgabe (Markdown-Datei)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-newsletter-"));
    const file = path.join(dir, "ausgabe.md");
    fs.writeFileSync(file, `# ${subject}\n\nZwei neue **Angebote** im [Katalog](${portal.url}/cloud-services/).\n`);
    const out = await portal.admin("newsletter", "send", file);
    if (!/1 E-Mail\(s\) eingereiht/.test(out)) throw new Error(out);
    const again = await portal.admin("newsletter", "send", file);
    if (!/0 E-Mail\(s\) eingereiht.*1 Adresse\(n\) hatten diese Ausgabe schon/s.test(again)) throw new Error(again);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  await step("Ausgabe kommt per SMTP mit List-Unsubscribe; Ein-Klick-POST wie ein Mailprogramm", async () => {
    const issue = await waitForMaildirMail(MAILDIR, email, (m) => m.subject === subject, "Ausgabe");
    const header = issue.headers["list-unsubscribe"] || "";
    const match = /^<(https?:\/\/[^>]+)>$/.exec(header.trim());
    if (!match) throw new Error(`List-Unsubscribe: ${JSON.stringify(header)}`);
    if (issue.headers["list-unsubscribe-post"] !== "List-Unsubscribe=One-Click") {
      throw new Error(`List-Unsubscribe-Post: ${JSON.stringify(issue.headers["list-unsubscribe-post"])}`);
    }
    const url = match[1];
    if (!issue.body.includes(url)) throw new Error("der Abmeldelink fehlt im Text");
    if (!issue.body.includes(`Katalog (${portal.url}/cloud-services/)`)) throw new Error(issue.body);
    if (!issue.parts.some((p) => /text\/html/i.test(p.headers["content-type"] || ""))) throw new Error("kein HTML-Teil");
    // RFC 8058: a POST to the header's address with exactly this body, no cookie, no Origin.
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
      redirect: "manual",
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  });

  await step("Adresse ist gelöscht: der Export listet sie nicht mehr", async () => {
    const csv = await portal.admin("newsletter", "export");
    if (csv.includes(email)) throw new Error(`${email} steht noch im Export:\n${csv}`);
  });
  await page.close();
});

test("Journey 8b: Newsletter ohne JavaScript: Rechenfrage, Bestätigung, Abbestellen per Schaltfläche", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Newsletter ohne JavaScript");
  const email = `ohnejs-${unique()}@musterstadt.example`;

  await step("Fußzeile: Adresse absenden führt zur Rechenfrage, Adresse bleibt erhalten (axe-sauber)", async () => {
    await subscribeInFooter(page, `${portal.url}/hilfe/`, email);
    await page.waitForURL(/\/api\/newsletter$/);
    await expectText(page.getByRole("heading", { level: 1 }), "Newsletter abonnieren");
    const kept = await page.getByRole("main").getByLabel("Ihre E-Mail-Adresse").inputValue();
    if (kept !== email) throw new Error(`Adresse „${kept}“`);
    await expectAxeClean(page, "Newsletter mit Rechenfrage");
  });

  await step("Rechenfrage beantworten: Antwortseite", async () => {
    const label = await page.locator("label[for='newsletter-frage-antwort']").textContent();
    const words = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"];
    const m = /Wie viel ist (\S+) plus (\S+?)\?/.exec(label);
    if (!m) throw new Error(`Frage: ${label}`);
    await page.getByLabel(/Sicherheitsfrage/).fill(String(words.indexOf(m[1]) + words.indexOf(m[2])));
    await page.getByRole("main").getByRole("button", { name: "Newsletter abonnieren" }).click();
    await answerPage(page);
    await expectAxeClean(page, "Antwortseite ohne JavaScript");
  });

  await step("Bestätigen ohne JavaScript", async () => {
    const mail = await waitForMaildirMail(MAILDIR, email, (m) => m.subject.includes("Newsletter-Abonnement"), "Bestätigungslink");
    await page.goto(linkTo(mail, "/api/newsletter/bestaetigen?token="));
    await page.getByRole("button", { name: "Abonnement bestätigen" }).click();
    await expectText(page.getByRole("heading", { level: 1 }), "Newsletter abonniert");
  });

  await step("Abbestellen über den Link: Seite mit Schaltfläche, ein Aufruf allein bestellt nicht ab", async () => {
    await page.goto(`${portal.url}/api/newsletter`);
    // The address again, to get the notice with the way out (as someone who lost the issue).
    await page.getByRole("main").getByLabel("Ihre E-Mail-Adresse").fill(email);
    await page.getByRole("main").getByRole("button", { name: "Newsletter abonnieren" }).click();
    const label = await page.locator("label[for='newsletter-frage-antwort']").textContent();
    const words = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"];
    const m = /Wie viel ist (\S+) plus (\S+?)\?/.exec(label);
    await page.getByLabel(/Sicherheitsfrage/).fill(String(words.indexOf(m[1]) + words.indexOf(m[2])));
    await page.getByRole("main").getByRole("button", { name: "Newsletter abonnieren" }).click();
    await answerPage(page);
    const notice = await waitForMaildirMail(MAILDIR, email, (m) => m.subject === "Sie erhalten den Newsletter bereits", "Hinweis");
    await page.goto(linkTo(notice, "/api/newsletter/abmelden?token="));
    await expectText(page.getByRole("heading", { level: 1 }), "Newsletter abbestellen");
    await expectAxeClean(page, "Abbestellen");
    if (!(await portal.admin("newsletter", "export")).includes(email)) throw new Error("schon beim Öffnen des Links abbestellt");
    await page.getByRole("button", { name: "Newsletter abbestellen" }).click();
    await expectText(page.getByRole("heading", { level: 1 }), "Newsletter abbestellt");
    await expectAxeClean(page, "Abbestellt");
    if ((await portal.admin("newsletter", "export")).includes(email)) throw new Error("noch im Export");
  });
  await page.close();
});
