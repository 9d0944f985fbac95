// Journey 8: the console of a provider (Ihr Konto › Eingegangene Bestellungen). (8a) With
// JavaScript: the operator creates the organisation of the provider ekom21 with the admin
// command; its Hauptadmin accepts the invitation from the mail folder and signs in; a
// customer orders the Terminfinder twice as Direktvertrag; the provider finds both in the
// console, confirms the first in the browser (the customer sees Bestellt), rejects the
// second with a reason (an empty reason is refused with an error summary); the mailed link
// of the first order, opened afterwards, says what happened; the provider of the sample
// content (Dataport, created by `csp serve`) gets 403 for ekom21's order, and so does the
// customer for the console. (8b) Filtering, the CSV export and a rejection without
// JavaScript. axe: 0 violations on the console's pages, empty, with orders and with errors.
import { test } from "node:test";
import path from "node:path";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { accept, newMember, signInAs } from "../lib/members.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { decisionLink, expectStatusAfterReload, orderOnPage } from "../lib/orders.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("konsole");
const EKOM_EMAIL = "bestellungen@ekom21.example";
const CONSOLE = "/api/konto/eingegangene-bestellungen";

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

/** Orders the Terminfinder (free) as Direktvertrag on its static order form. */
async function orderTerminfinder(page, portal, customer) {
  await page.goto(`${portal.url}/bestellen/terminfinder/`);
  const form = page.locator("main form[action='/api/bestellungen']");
  await form.getByRole("radio", { name: /^Kostenfrei:/ }).check();
  await form.getByRole("radio", { name: "Direktvertrag", exact: true }).check();
  await form.getByLabel(/^Organisation/).fill(customer.organisation);
  await form.getByLabel(/^Straße und Hausnummer/).fill(customer.street);
  await form.getByLabel(/^Postleitzahl/).fill(customer.postcode);
  await form.getByLabel(/^Ort\b/).fill(customer.city);
  await form.getByLabel(/Nutzungsbedingungen des Portals/).check();
  await form.getByLabel(/servicespezifischen Bedingungen/).check();
  await page.getByRole("button", { name: "Kostenfrei bestellen" }).click();
  await page.waitForURL(/\/api\/konto\/bestellungen\/[^/?#]+$/);
  return orderOnPage(page);
}

/** The console's rows: [{ number, customer, status, days }]. */
async function consoleRows(page) {
  if (!(await page.locator("table.incoming").count())) return [];
  return page.locator("table.incoming tbody tr").evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = Array.from(tr.children).map((c) => c.textContent.replace(/\s+/g, " ").trim());
      return { number: cells[0], customer: cells[2], status: cells[6], days: cells[7] };
    }),
  );
}

/** Opens an order from the console's list by its number. */
async function openFromConsole(page, portal, number) {
  await page.goto(`${portal.url}${CONSOLE}`);
  await page.getByRole("link", { name: number, exact: true }).click();
  await expectText(page.locator("h1"), `Eingegangene Bestellung ${number}`);
}

const provider = newMember("Paula Konsole");
const customer = newCustomer({ organisation: "Stadt Terminhausen" });
const placed = [];

test("Journey 8a: Anbieter entscheidet in „Eingegangene Bestellungen“", async () => {
  const { portal, browser } = env;
  // The admin command checks the provider against the catalog `csp serve` built.
  process.env.CSP_CATALOG = path.join(portal.stateDir, "function-data", "catalog.json");
  const page = await openPage(browser);
  const step = journey(page, "Anbieterkonsole");

  await step("Betreiber legt die Anbieterorganisation ekom21 per Befehl an", async () => {
    const out = await portal.admin("create-provider-org", "--provider", "ekom21", "--name", "ekom21 – KGRZ Hessen", "--email", provider.email, "--admin-name", provider.name);
    if (!/angelegt/.test(out)) throw new Error(`keine Bestätigung: ${out}`);
    const again = portal.admin("create-provider-org", "--provider", "ekom21", "--name", "ekom21 doppelt", "--email", "zweite@ekom21.example");
    await again.then(
      () => {
        throw new Error("eine zweite Organisation für ekom21 wurde angelegt");
      },
      (e) => {
        if (!/schon eine Organisation/.test(String(e.stderr || e))) throw e;
      },
    );
  });
  await step("Hauptadmin nimmt die Einladung aus dem Mail-Ordner an und meldet sich an", async () => {
    await accept(page, portal, provider, "ekom21 – KGRZ Hessen");
    await expectText(page.getByRole("main"), "Anbieter");
  });
  await step("Konsole leer: Hinweis, axe-sauber", async () => {
    await page.getByRole("main").getByRole("link", { name: "Eingegangene Bestellungen" }).click();
    await expectText(page.locator("h1"), "Eingegangene Bestellungen");
    await expectText(page.getByRole("main"), "Bisher ist keine Bestellung");
    await expectAxeClean(page, "Eingegangene Bestellungen (leer)");
  });
  await step("Falsches Datum im Filter: Fehlerübersicht, axe-sauber", async () => {
    await page.goto(`${portal.url}${CONSOLE}?von=gestern`);
    await expectText(page.locator(".error-summary"), "JJJJ-MM-TT");
    await expectAxeClean(page, "Eingegangene Bestellungen (mit Fehlern)");
  });

  const customerPage = await openPage(browser);
  const customerStep = journey(customerPage, "Kunde");
  await signUpAndSignIn(customerPage, portal, customerStep, customer);
  await customerStep("Kunde bestellt den Terminfinder zweimal als Direktvertrag", async () => {
    placed.push(await orderTerminfinder(customerPage, portal, customer));
    placed.push(await orderTerminfinder(customerPage, portal, customer));
  });

  await step("Beide Bestellungen stehen in der Konsole, neueste zuerst, Status als Text", async () => {
    await page.goto(`${portal.url}${CONSOLE}`);
    const rows = await consoleRows(page);
    if (rows.length !== 2) throw new Error(`${rows.length} Zeilen statt 2: ${JSON.stringify(rows)}`);
    if (rows[0].number !== placed[1].number || rows[1].number !== placed[0].number) throw new Error(`Reihenfolge: ${JSON.stringify(rows)}`);
    for (const r of rows) {
      if (r.customer !== customer.organisation || r.status !== "Offen" || r.days !== "30 Tage") throw new Error(`Zeile: ${JSON.stringify(r)}`);
    }
    await expectAxeClean(page, "Eingegangene Bestellungen (mit Bestellungen)");
  });
  await step("Suche nach der Bestellnummer findet genau eine", async () => {
    await page.getByLabel("Bestellnummer oder Kunde").fill(placed[0].number);
    await page.getByRole("button", { name: "Filter anwenden" }).click();
    await until(async () => (await consoleRows(page)).length === 1, "die Suche zeigt nicht genau eine Bestellung");
  });
  await step("Erste Bestellung öffnen und im Browser bestätigen", async () => {
    await openFromConsole(page, portal, placed[0].number);
    await expectText(page.getByRole("main"), "Vertragsmappe");
    await expectAxeClean(page, "Eingegangene Bestellung");
    await page.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).click();
    await expectText(page.locator("main .notice"), "Bestellt");
  });
  await customerStep("Kunde sieht „Bestellt“", async () => {
    await customerPage.goto(placed[0].url);
    await expectStatusAfterReload(customerPage, "Bestellt");
  });
  await step("Zweite Bestellung ablehnen: ohne Begründung Fehlerübersicht, dann mit Begründung", async () => {
    await openFromConsole(page, portal, placed[1].number);
    await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
    await expectText(page.locator(".error-summary"), "Bitte begründen Sie die Ablehnung");
    await expectAxeClean(page, "Eingegangene Bestellung (mit Fehlern)");
    await page.getByLabel(/^Begründung/).fill("Der Terminfinder ist für Ihre Verwaltungsebene derzeit ausgelastet.");
    await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
    await expectText(page.locator("main .notice"), "Abgelehnt durch Anbieter (DV)");
  });
  await customerStep("Kunde sieht die Ablehnung mit Begründung", async () => {
    await customerPage.goto(placed[1].url);
    await expectStatusAfterReload(customerPage, "Abgelehnt durch Anbieter (DV)");
    await expectText(customerPage.getByRole("main"), "ausgelastet");
  });
  await step("Der Link aus der E-Mail sagt danach, was geschah, und ändert nichts", async () => {
    const link = await decisionLink(portal, EKOM_EMAIL, placed[0].number, "bestaetigen");
    const linkPage = await openPage(browser);
    await linkPage.goto(link);
    await expectText(linkPage.locator("h1"), "Bestellung bereits entschieden");
    await expectText(linkPage.getByRole("main"), "Bestellt");
    await expectAxeClean(linkPage, "Link nach der Entscheidung");
    await linkPage.close();
  });
  await step("Ein anderer Anbieter (Dataport aus den Beispieldaten) bekommt 403", async () => {
    const dataport = { name: "Konsole Dataport", email: "konsole@dataport.example", password: "Ein langer Satz als Passwort für Dataport 2026" };
    const other = await openPage(browser);
    await accept(other, portal, dataport, "Dataport");
    const response = await other.goto(`${portal.url}${CONSOLE}/${placed[0].id}`);
    if (response.status() !== 403) throw new Error(`HTTP ${response.status()} statt 403`);
    await expectText(other.locator("h1"), "Kein Zugriff");
    await other.close();
  });
  await customerStep("Der Kunde bekommt für die Konsole 403", async () => {
    const response = await customerPage.goto(`${portal.url}${CONSOLE}`);
    if (response.status() !== 403) throw new Error(`HTTP ${response.status()} statt 403`);
  });
});

test("Journey 8b: Konsole ohne JavaScript: filtern, CSV, ablehnen", async () => {
  const { portal, browser } = env;
  const customerPage = await openPage(browser);
  const customerStep = journey(customerPage, "Kunde");
  await customerStep("Kunde bestellt ein drittes Mal", async () => {
    await signInAs(customerPage, portal, customer);
    placed.push(await orderTerminfinder(customerPage, portal, customer));
  });
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Anbieter ohne JavaScript");
  await step("Anmelden ohne JavaScript", async () => {
    await signInAs(page, portal, provider, "ekom21");
  });
  await step("Nach Status „Offen“ filtern (GET-Formular)", async () => {
    await page.goto(`${portal.url}${CONSOLE}`);
    await page.getByLabel("Status").selectOption({ label: "Offen" });
    await page.getByRole("button", { name: "Filter anwenden" }).click();
    await page.waitForURL(/status=offen/);
    const rows = await consoleRows(page);
    if (rows.length !== 1 || rows[0].number !== placed[2].number) throw new Error(`gefiltert: ${JSON.stringify(rows)}`);
    await expectAxeClean(page, "Eingegangene Bestellungen (gefiltert, ohne JavaScript)");
  });
  await step("CSV der ungefilterten Liste: BOM, Semikolon, drei Bestellungen", async () => {
    await page.getByRole("link", { name: "Alle Filter zurücksetzen" }).first().click();
    const href = await page.getByRole("link", { name: "Diese Liste als CSV-Datei herunterladen" }).getAttribute("href");
    const response = await page.request.get(`${portal.url}${href}`);
    const body = await response.body();
    if (body[0] !== 0xef || body[1] !== 0xbb || body[2] !== 0xbf) throw new Error("CSV ohne BOM");
    const lines = body.toString("utf8").trim().split(/\r\n/);
    if (lines.length !== 4 || !lines[0].includes("Bestellnummer;Bestellt am;Kunde")) throw new Error(`CSV:\n${lines.join("\n")}`);
    if (!lines.some((l) => l.startsWith(`${placed[0].number};`) && l.includes(";Bestellt;"))) throw new Error(`CSV ohne die bestätigte Bestellung:\n${lines.join("\n")}`);
  });
  await step("Ohne Begründung ablehnen: Fehlerübersicht; mit Begründung: gespeichert", async () => {
    await openFromConsole(page, portal, placed[2].number);
    await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
    await expectText(page.locator(".error-summary"), "Bitte begründen Sie die Ablehnung");
    await expectAxeClean(page, "Eingegangene Bestellung (mit Fehlern, ohne JavaScript)");
    await page.getByLabel(/^Begründung/).fill("Bitte bestellen Sie über den Umklappvertrag.");
    await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
    await expectText(page.locator("main .notice"), "Abgelehnt durch Anbieter (DV)");
  });
});
