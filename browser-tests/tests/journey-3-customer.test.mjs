// Journey 3 (customer): register the organisation with JavaScript on (the human check solves
// in the browser), confirm the address from the mail folder, the operator approves with the
// admin command, set the password, sign in; the header shows it (3a). Then (3b) Bedarf
// melden, which the operator lists; order dMessenger with options and the Umklappvertrag;
// the intermediary and then the provider confirm through the links in their mails; the
// customer sees every status, downloads the summary PDF and opens the printable contract
// folder. And (3c) a provider rejects a Direktvertrag order with a reason.
import { test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import { expectText, expectVisible, journey, openPage, until } from "../lib/browser.mjs";
import { mails } from "../lib/mail.mjs";
import {
  DATAPORT_EMAIL,
  INTERMEDIARY_EMAIL,
  OPERATOR_EMAIL,
  confirmByLink,
  decisionLink,
  dmessengerOrder,
  expectNeedConfirmed,
  expectStatusAfterReload,
  fillNeed,
  fillOrderForm,
  germanToday,
  isoDate,
  listedNeeds,
  mailsAbout,
  orderRows,
  rejectByLink,
  shownStatus,
  submitOrder,
} from "../lib/orders.mjs";
import { OUTPUT, ROOT } from "../lib/portal.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("kunde");

test("Journey 3a: Kunde registriert die Organisation und meldet sich an", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Kunde");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer());

  await step("„Ihr Konto“ zeigt Person und Organisation", async () => {
    await page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }).click();
    await page.waitForURL(/\/api\/konto/);
    const main = page.getByRole("main");
    await expectText(main, customer.name);
    await expectText(main, customer.email);
    await expectText(main, customer.organisation);
  });
  await step("Angemeldet bleiben beim Neuladen einer statischen Seite", async () => {
    await page.goto(`${portal.url}/cloud-services/`);
    await expectVisible(page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }), "„Ihr Konto“ in der Kopfzeile");
  });
  await step("Abmelden: die Kopfzeile zeigt wieder „Anmelden“", async () => {
    await page.getByRole("banner").getByRole("link", { name: "Abmelden" }).click();
    await page.getByRole("main").getByRole("button", { name: "Abmelden" }).click();
    await until(async () => !/\/api\/abmeldung$/.test(page.url()) || (await page.locator("h1").textContent()) !== "Abmelden", "keine Seite nach dem Abmelden");
    await page.goto(`${portal.url}/`);
    await expectVisible(page.getByRole("banner").getByRole("link", { name: "Anmelden", exact: true }), "„Anmelden“ in der Kopfzeile");
    if (await page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }).isVisible()) throw new Error("„Ihr Konto“ noch sichtbar");
  });
  await page.context().close();
});

test("Journey 3b: Bedarf melden, dMessenger im Umklappvertrag bestellen, Intermediär und Anbieter bestätigen, PDF", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Kunde bestellt");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Stadt Bestellhausen" }));
  const need = {
    title: `Terminvergabe für Bürgerbüros ${process.pid}`,
    description: "Online-Terminvergabe für drei Standorte, mit Erinnerung per SMS.",
    category: null,
    users: "40",
    date: isoDate(60),
  };

  await step("Bedarf melden über den Link der Merkliste", async () => {
    await page.getByRole("banner").getByRole("link", { name: /Merkliste/ }).click();
    await expectText(page.locator("h1"), "Merkliste");
    await page.getByRole("link", { name: "melden Sie Ihren Bedarf" }).click();
    await page.waitForURL(/\/bedarf-melden\/$/);
    await expectText(page.locator("h1"), "Bedarf melden");
  });
  await step("Bedarf ausfüllen und senden: Bestätigungsseite", async () => {
    await fillNeed(page, need);
    await page.getByRole("button", { name: "Bedarf senden" }).click();
    await expectNeedConfirmed(page);
  });
  await step("Betreiber: Mail erhalten, der Admin-Befehl listet den Bedarf", async () => {
    await until(
      () => mails(portal.mailDir).some((m) => m.to.includes(OPERATOR_EMAIL) && m.subject.includes(need.title)),
      `keine Mail „Neuer Bedarf: ${need.title}“ an ${OPERATOR_EMAIL} (im Mail-Ordner: ${mails(portal.mailDir).map((m) => `${m.to}: ${m.subject}`).join("; ")})`,
    );
    const { out, lines } = await listedNeeds(portal, need.title);
    if (!lines.length) throw new Error(`„${need.title}“ fehlt in „csp-function admin needs“:\n${out}`);
    if (!out.includes(customer.organisation)) throw new Error(`Die Liste nennt die Organisation nicht:\n${out}`);
  });

  const order = dmessengerOrder(customer);
  let placed;
  await step("Produktseite dMessenger: „Zur Bestellung“", async () => {
    await page.goto(`${portal.url}/cloud-services/dmessenger/`);
    await page.getByRole("link", { name: "Zur Bestellung" }).first().click();
    await page.waitForURL(/\/bestellen\/dmessenger\/$/);
    await expectText(page.locator("h1"), "dMessenger bestellen");
  });
  await step("Preismodell Standard, Umklappvertrag, Optionen und Rechnungsadresse; bestellen", async () => {
    await fillOrderForm(page, order);
    placed = await submitOrder(page);
  });
  await step("Bestellseite: Nummer, Status Offen, Vertragsmappe mit den Optionen", async () => {
    const status = await shownStatus(page);
    if (!/Status: Offen\b/.test(status)) throw new Error(`Status „${status}“, erwartet „Offen“`);
    const main = page.getByRole("main");
    for (const text of ["Umklappvertrag", "Standard", "Anzahl Nutzer", "250", "Norderstedt", order.reference]) {
      await expectText(main, text);
    }
  });
  await step("„Ihr Konto“ → Bestellungen: die Bestellung steht oben, Status Offen, Datum heute", async () => {
    await page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }).click();
    await expectText(page.locator("h1"), "Ihr Konto");
    await page.getByRole("main").getByRole("link", { name: /Bestellungen/ }).first().click();
    await page.waitForURL(/\/api\/konto\/bestellungen$/);
    await expectText(page.locator("h1"), "Ihre Bestellungen");
    const rows = await orderRows(page);
    if (!rows.length) throw new Error("keine Bestellung in der Liste");
    const row = rows[0];
    const today = [germanToday(), germanToday(2)];
    if (row.number !== placed.number || row.offering !== "dMessenger" || !/^Offen/.test(row.status) || !today.includes(row.date)) {
      throw new Error(`erste Zeile: ${JSON.stringify(row)}, erwartet ${placed.number}, dMessenger, Offen, ${germanToday()}`);
    }
    await page.getByRole("link", { name: placed.number }).click();
    await page.waitForURL(placed.url);
  });
  await step("Kunde hat eine Eingangsbestätigung, der Anbieter noch keine Mail", async () => {
    await until(() => mailsAbout(portal.mailDir, customer.email, placed.number).length, `keine Eingangsbestätigung an ${customer.email}`);
    const early = mailsAbout(portal.mailDir, DATAPORT_EMAIL, placed.number);
    if (early.length) throw new Error(`Der Anbieter hat vor dem Intermediär eine Mail: ${early.map((m) => m.subject)}`);
  });

  // The intermediary and the provider use their own browsers, not signed in.
  const other = await openPage(browser);
  step.page = other;
  await step("Intermediär bestätigt über den Link in seiner Mail", async () => {
    const link = await decisionLink(portal, INTERMEDIARY_EMAIL, placed.number, "bestaetigen");
    await confirmByLink(other, link, placed.number);
    await expectText(other.locator("main"), "Bestätigt durch Intermediär");
  });
  step.page = page;
  await step("Kunde lädt neu: „Bestätigt durch Intermediär“", () => expectStatusAfterReload(page, "Bestätigt durch Intermediär"));

  let providerLink;
  step.page = other;
  await step("Anbieter bestätigt über den Link in seiner Mail", async () => {
    providerLink = await decisionLink(portal, DATAPORT_EMAIL, placed.number, "bestaetigen");
    await confirmByLink(other, providerLink, placed.number);
    await expectText(other.locator("main"), "Bestellt");
  });
  await step("Derselbe Link ein zweites Mal: 410, Link ungültig", async () => {
    const response = await other.goto(providerLink);
    if (response.status() !== 410) throw new Error(`HTTP ${response.status()} statt 410`);
    await expectText(other.locator("h1"), "Link ungültig oder abgelaufen");
    await expectText(other.locator("main"), "bereits für eine Entscheidung verwendet");
    if (await other.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).count()) throw new Error("Der Knopf zum Bestätigen ist noch da");
  });
  await other.context().close();
  step.page = page;

  await step("Kunde lädt neu: „Bestellt“, der Verlauf nennt jeden Schritt", async () => {
    await expectStatusAfterReload(page, "Bestellt");
    const history = await page.locator("ol.history").textContent();
    for (const s of ["Offen", "Bestätigt durch Intermediär", "Bestellt"]) {
      if (!history.includes(s)) throw new Error(`Verlauf ohne „${s}“: ${history.replace(/\s+/g, " ")}`);
    }
  });
  await step("Zusammenfassung als PDF herunterladen", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Zusammenfassung als PDF herunterladen" }).click(),
    ]);
    const dir = path.join(OUTPUT, "downloads");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, download.suggestedFilename() || `${placed.number}.pdf`);
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    if (bytes.subarray(0, 5).toString("latin1") !== "%PDF-") throw new Error(`${file} beginnt nicht mit %PDF-: ${JSON.stringify(bytes.subarray(0, 16).toString("latin1"))}`);
    if (bytes.length < 2_000) throw new Error(`${file} hat nur ${bytes.length} Bytes`);
    if (!download.suggestedFilename().includes(placed.number)) throw new Error(`Dateiname ${download.suggestedFilename()} ohne Bestellnummer`);
  });
  await step("Vertragsmappe zum Drucken: AGB-Fassung und konfigurierte Optionen", async () => {
    await page.getByRole("link", { name: "Vertragsmappe zum Drucken" }).click();
    await page.waitForURL(/\/vertragsmappe$/);
    await expectText(page.locator("h1"), `Vertragsmappe ${placed.number}`);
    const facts = await page.locator("main dl.facts").evaluateAll((lists) =>
      Object.fromEntries(
        lists.flatMap((dl) => Array.from(dl.querySelectorAll("dt")).map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])),
      ),
    );
    // The version the AGB page of the sample content declares.
    const agb = fs.readFileSync(path.join(ROOT, "content", "pages", "agb.md"), "utf8").match(/^version:\s*"?([^"\n]+)"?$/m);
    if (!agb) throw new Error("content/pages/agb.md nennt keine Fassung (version:)");
    if (facts["CSP-AGB (Fassung)"] !== agb[1]) throw new Error(`AGB-Fassung „${facts["CSP-AGB (Fassung)"]}“, erwartet „${agb[1]}“`);
    await expectVisible(page.getByRole("heading", { name: "Konfigurierte Optionen" }), "Abschnitt „Konfigurierte Optionen“");
    const expected = { "Anzahl Nutzer": /^250$/, Rechenzentrum: /^Norderstedt$/, "Föderation mit anderen Matrix-Instanzen": /^ja$/i };
    for (const [label, value] of Object.entries(expected)) {
      if (!value.test(facts[label] || "")) throw new Error(`Option „${label}“: „${facts[label]}“ (alle Angaben: ${JSON.stringify(facts)})`);
    }
  });
  await step("Jedes Dokument der Vertragsmappe einzeln und alle als ZIP herunterladen; die AGB im vereinbarten Wortlaut", async () => {
    const version = fs.readFileSync(path.join(ROOT, "content", "pages", "agb.md"), "utf8").match(/^version:\s*"?([^"\n]+)"?$/m)[1];
    const agbText = fs.readFileSync(path.join(ROOT, "content", "agb", `${version}.md`), "utf8");
    const firstSentence = agbText.split("\n").find((l) => l.startsWith("Diese Bedingungen regeln"));
    if (!firstSentence) throw new Error("content/agb: kein Satz „Diese Bedingungen regeln …“");
    const dir = path.join(OUTPUT, "downloads", "vertragsmappe");
    fs.mkdirSync(dir, { recursive: true });
    const save = async (link) => {
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      const file = path.join(dir, download.suggestedFilename());
      await download.saveAs(file);
      return file;
    };
    const links = page.locator(".folder-documents a");
    const count = await links.count();
    if (count !== 9) throw new Error(`${count} Dokumente verlinkt, erwartet 9`);
    const names = [];
    for (let i = 0; i < count; i++) {
      const file = await save(links.nth(i));
      names.push(path.basename(file));
      if (fs.statSync(file).size === 0) throw new Error(`${file} ist leer`);
    }
    const agb = fs.readFileSync(path.join(dir, names.find((n) => n.endsWith("agb.md"))), "utf8");
    if (!agb.includes(firstSentence)) throw new Error(`agb.md ohne den vereinbarten Wortlaut: ${agb.slice(0, 300)}`);
    const zipFile = await save(page.getByRole("link", { name: "Alle Dokumente als ZIP-Datei herunterladen" }));
    const zip = fs.readFileSync(zipFile);
    if (zip.subarray(0, 4).toString("latin1") !== "PK\x03\x04") throw new Error(`${zipFile} ist keine ZIP-Datei`);
    // Stored entries: the agreed text is in the archive as it is.
    if (!zip.includes(Buffer.from(firstSentence, "utf8"))) throw new Error("die ZIP-Datei enthält die AGB nicht im Wortlaut");
    for (const name of names) {
      const entry = name.replace(`${placed.number}-`, "");
      if (!zip.includes(Buffer.from(`/${entry}`, "utf8"))) throw new Error(`${entry} fehlt in der ZIP-Datei`);
    }
  });
  await page.context().close();
});

test("Journey 3c: Anbieter lehnt eine Bestellung im Direktvertrag mit Begründung ab", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Ablehnung durch den Anbieter");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Gemeinde Ablehnungen" }));
  const reason = "Für diese Nutzerzahl bitte zuerst ein Beratungsgespräch; wir melden uns.";
  let placed;

  await step("dMessenger im Direktvertrag bestellen", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(page, dmessengerOrder(customer, { contract: "Direktvertrag", plan: "Basis", users: "12000", datacenter: null, federation: false, reference: null, note: null }));
    placed = await submitOrder(page);
    const status = await shownStatus(page);
    if (!/Status: Offen\b/.test(status)) throw new Error(`Status „${status}“, erwartet „Offen“`);
  });
  const provider = await openPage(browser);
  step.page = provider;
  await step("Der Anbieter bekommt die Mail direkt (kein Intermediär) und lehnt mit Begründung ab", async () => {
    const link = await decisionLink(portal, DATAPORT_EMAIL, placed.number, "ablehnen");
    const toIntermediary = mailsAbout(portal.mailDir, INTERMEDIARY_EMAIL, placed.number);
    if (toIntermediary.length) throw new Error(`Mail an den Intermediär bei einem Direktvertrag: ${toIntermediary.map((m) => m.subject)}`);
    await rejectByLink(provider, link, placed.number, reason);
    await expectText(provider.locator("main"), "Abgelehnt durch Anbieter (DV)");
  });
  await provider.context().close();
  step.page = page;
  await step("Kunde lädt neu: „Abgelehnt durch Anbieter (DV)“ und die Begründung", async () => {
    await expectStatusAfterReload(page, "Abgelehnt durch Anbieter (DV)");
    await expectText(page.getByRole("main"), `Begründung der Ablehnung: ${reason}`);
  });
  await step("In der Liste steht die Ablehnung", async () => {
    await page.getByRole("link", { name: "Alle Bestellungen" }).click();
    const rows = await orderRows(page);
    const row = rows.find((r) => r.number === placed.number);
    if (!row || !row.status.startsWith("Abgelehnt durch Anbieter (DV)")) throw new Error(`Zeilen: ${JSON.stringify(rows)}`);
  });
  await step("Kunde bekommt eine Mail mit der Begründung", async () => {
    await until(
      () => mailsAbout(portal.mailDir, customer.email, placed.number).some((m) => m.body.includes(reason)),
      `keine Mail an ${customer.email} mit der Begründung`,
    );
  });
  await page.context().close();
});
