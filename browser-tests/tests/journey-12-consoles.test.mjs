// Journey 12: the Umklappvertrag through both consoles. (12a) With JavaScript: the sample
// accounts `csp serve` creates (the intermediary govdigital and the provider Dataport)
// accept their invitations from the mail folder; a customer orders dMessenger twice with the
// Umklappvertrag; the intermediary confirms both in its console; the provider confirms the
// first in its console and the customer sees "Bestellt"; the provider rejects the second
// with a reason (an empty reason is refused) and the customer sees the reason; a second
// provider (ekom21, created by the admin command) gets 403 for Dataport's order by direct
// URL, and the intermediary gets 403 for a Direktvertrag. (12b) The same decisions without
// JavaScript. (12c) Without JavaScript, the operator account `csp serve` creates reads the
// Kennzahlen des Portals. axe: 0 violations on every console page, empty, with orders and
// with errors.
import { test } from "node:test";
import path from "node:path";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { accept, newMember, setPasswordFromInvitation, signInAs, signInSettingUpSecondFactor } from "../lib/members.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { dmessengerOrder, expectStatusAfterReload, fillOrderForm, orderOnPage, submitOrder } from "../lib/orders.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("konsolen");
const CONSOLE = "/api/konto/eingegangene-bestellungen";

// The accounts `csp serve` creates on the sample content (invitations in the mail folder).
const intermediary = { name: "Konsole govdigital", email: "konsole@govdigital.example", password: "Ein langer Satz als Passwort für govdigital 2026" };
const dataport = { name: "Konsole Dataport", email: "konsole@dataport.example", password: "Ein langer Satz als Passwort für Dataport 2026" };
const customer = newCustomer({ organisation: "Stadt Umklapphausen" });
const placed = [];

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

/** The console's rows: [{ number, customer, model, status }]. */
async function consoleRows(page) {
  if (!(await page.locator("table.incoming").count())) return [];
  return page.locator("table.incoming tbody tr").evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = Array.from(tr.children).map((c) => c.textContent.replace(/\s+/g, " ").trim());
      return { number: cells[0], customer: cells[2], model: cells[5], status: cells[6] };
    }),
  );
}

/** A chart's table (the figure with id `id`) as [[label, value], …]. */
async function chartTable(page, id) {
  return page.locator(`figure#${id} table tbody tr`).evaluateAll((rows) =>
    rows.map((tr) => Array.from(tr.children).slice(0, 2).map((c) => c.textContent.trim())),
  );
}

/** The sum of a chart table's values. */
function total(rows) {
  return rows.reduce((sum, [, v]) => sum + Number(v), 0);
}

/** Opens an order from the console's list by its number. */
async function openFromConsole(page, portal, number) {
  await page.goto(`${portal.url}${CONSOLE}`);
  await page.getByRole("link", { name: number, exact: true }).click();
  await expectText(page.locator("h1"), `Eingegangene Bestellung ${number}`);
}

/** Confirms the open order in the console; waits for the notice with `status`. */
async function confirmInConsole(page, portal, number, status) {
  await openFromConsole(page, portal, number);
  await page.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).click();
  await expectText(page.locator("main .notice"), status);
}

/** Rejects the open order in the console: first without a reason (refused), then with it. */
async function rejectInConsole(page, portal, number, reason, status, what) {
  await openFromConsole(page, portal, number);
  await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
  await expectText(page.locator(".error-summary"), "Bitte begründen Sie die Ablehnung");
  await expectAxeClean(page, `${what} (mit Fehlern)`);
  await page.getByLabel(/^Begründung/).fill(reason);
  await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
  await expectText(page.locator("main .notice"), status);
}

/** Orders dMessenger with the Umklappvertrag on its static order form. */
async function orderUmklapp(page, portal) {
  await page.goto(`${portal.url}/bestellen/dmessenger/`);
  await fillOrderForm(page, dmessengerOrder(customer));
  return submitOrder(page);
}

/** Orders the Terminfinder (free) as Direktvertrag: an order the intermediary never sees. */
async function orderDirekt(page, portal) {
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

test("Journey 12a: Umklappvertrag – Intermediär und Anbieter entscheiden in ihren Konsolen", async () => {
  const { portal, browser } = env;
  // The admin command checks the provider against the catalog `csp serve` built.
  process.env.CSP_CATALOG = path.join(portal.stateDir, "function-data", "catalog.json");

  const mediator = await openPage(browser);
  const mediatorStep = journey(mediator, "Intermediär");
  await mediatorStep("govdigital (von csp serve angelegt) nimmt die Einladung an und meldet sich an", async () => {
    await accept(mediator, portal, intermediary, "govdigital");
    await expectText(mediator.getByRole("main"), "Intermediär");
  });
  await mediatorStep("Konsole leer: Hinweis, axe-sauber", async () => {
    await mediator.getByRole("main").getByRole("link", { name: "Eingegangene Bestellungen" }).click();
    await expectText(mediator.locator("h1"), "Eingegangene Bestellungen");
    await expectText(mediator.getByRole("main"), "Bisher ist keine Bestellung");
    await expectAxeClean(mediator, "Eingegangene Bestellungen des Intermediärs (leer)");
  });

  const provider = await openPage(browser);
  const providerStep = journey(provider, "Anbieter Dataport");
  await providerStep("Dataport (von csp serve angelegt) nimmt die Einladung an und meldet sich an", async () => {
    await accept(provider, portal, dataport, "Dataport");
  });

  const customerPage = await openPage(browser);
  const customerStep = journey(customerPage, "Kunde");
  await signUpAndSignIn(customerPage, portal, customerStep, customer);
  await customerStep("Kunde bestellt dMessenger zweimal im Umklappvertrag und den Terminfinder im Direktvertrag", async () => {
    placed.push(await orderUmklapp(customerPage, portal));
    placed.push(await orderUmklapp(customerPage, portal));
    placed.push(await orderDirekt(customerPage, portal));
  });

  await mediatorStep("Der Intermediär sieht beide Umklappverträge, nicht den Direktvertrag", async () => {
    await mediator.goto(`${portal.url}${CONSOLE}`);
    const rows = await consoleRows(mediator);
    const numbers = rows.map((r) => r.number);
    if (rows.length !== 2 || numbers[0] !== placed[1].number || numbers[1] !== placed[0].number) throw new Error(`Zeilen: ${JSON.stringify(rows)}`);
    for (const r of rows) {
      if (r.customer !== customer.organisation || r.model !== "Umklappvertrag" || r.status !== "Offen") throw new Error(`Zeile: ${JSON.stringify(r)}`);
    }
    await expectAxeClean(mediator, "Eingegangene Bestellungen des Intermediärs");
  });
  await mediatorStep("Der Direktvertrag per URL: 403", async () => {
    const response = await mediator.goto(`${portal.url}${CONSOLE}/${placed[2].id}`);
    if (response.status() !== 403) throw new Error(`HTTP ${response.status()} statt 403`);
    await expectText(mediator.locator("h1"), "Kein Zugriff");
    await expectAxeClean(mediator, "403 in der Konsole");
  });
  await providerStep("Vor dem Intermediär wartet die Bestellung nicht auf Dataport", async () => {
    await openFromConsole(provider, portal, placed[0].number);
    await expectText(provider.getByRole("main"), "wartet nicht auf eine Entscheidung von Ihnen");
    if (await provider.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).count()) throw new Error("Dataport kann schon bestätigen");
  });
  await mediatorStep("Der Intermediär bestätigt beide im Browser", async () => {
    await openFromConsole(mediator, portal, placed[0].number);
    await expectText(mediator.getByRole("main"), "Sie entscheiden als Intermediär");
    await expectAxeClean(mediator, "Eingegangene Bestellung beim Intermediär");
    await mediator.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).click();
    await expectText(mediator.locator("main .notice"), "Bestätigt durch Intermediär");
    await expectText(mediator.getByRole("main"), "wartet nicht auf eine Entscheidung von Ihnen");
    await confirmInConsole(mediator, portal, placed[1].number, "Bestätigt durch Intermediär");
  });
  await customerStep("Kunde sieht „Bestätigt durch Intermediär“", async () => {
    await customerPage.goto(placed[0].url);
    await expectStatusAfterReload(customerPage, "Bestätigt durch Intermediär");
  });
  await providerStep("Dataport bestätigt die erste Bestellung in seiner Konsole", async () => {
    await provider.goto(`${portal.url}${CONSOLE}`);
    const rows = await consoleRows(provider);
    const first = rows.find((r) => r.number === placed[0].number);
    if (!first || first.status !== "Bestätigt durch Intermediär") throw new Error(`Zeilen: ${JSON.stringify(rows)}`);
    await expectAxeClean(provider, "Eingegangene Bestellungen des Anbieters");
    await openFromConsole(provider, portal, placed[0].number);
    await expectText(provider.getByRole("main"), "Sie entscheiden als Anbieter");
    await expectAxeClean(provider, "Eingegangene Bestellung beim Anbieter");
    await provider.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).click();
    await expectText(provider.locator("main .notice"), "Bestellt");
  });
  await customerStep("Kunde sieht „Bestellt“", async () => {
    await customerPage.goto(placed[0].url);
    await expectStatusAfterReload(customerPage, "Bestellt");
  });
  await providerStep("Dataport lehnt die zweite mit Begründung ab (ohne Begründung: Fehlerübersicht)", async () => {
    await rejectInConsole(provider, portal, placed[1].number, "Die gewünschte Föderation ist in Ihrem Rechenzentrum noch nicht verfügbar.", "Abgelehnt durch Anbieter (UV)", "Ablehnung beim Anbieter");
  });
  await customerStep("Kunde sieht die Ablehnung mit Begründung", async () => {
    await customerPage.goto(placed[1].url);
    await expectStatusAfterReload(customerPage, "Abgelehnt durch Anbieter (UV)");
    await expectText(customerPage.getByRole("main"), "Föderation ist in Ihrem Rechenzentrum");
  });
  await mediatorStep("Der Intermediär sieht, wie der Anbieter entschieden hat", async () => {
    await mediator.goto(`${portal.url}${CONSOLE}`);
    await until(async () => {
      const rows = await consoleRows(mediator);
      return rows.some((r) => r.number === placed[0].number && r.status === "Bestellt") && rows.some((r) => r.number === placed[1].number && r.status === "Abgelehnt durch Anbieter (UV)");
    }, "die Konsole des Intermediärs zeigt die Entscheidungen des Anbieters nicht");
  });

  await providerStep("Kennzahlen: zwei Bestellungen in zwölf Monaten, eine Entscheidung, keine offene; axe-sauber", async () => {
    await provider.goto(`${portal.url}/api/konto`);
    await provider.getByRole("main").getByRole("link", { name: "Kennzahlen" }).click();
    await expectText(provider.locator("h1"), "Kennzahlen");
    await provider.getByRole("img", { name: /Eingegangene Bestellungen je Monat/ }).waitFor();
    const months = await chartTable(provider, "bestellungen-monat");
    if (months.length !== 12 || total(months) !== 2) throw new Error(`Bestellungen je Monat: ${JSON.stringify(months)}`);
    const open = await chartTable(provider, "offen-resttage");
    if (open.some(([, v]) => v !== "0")) throw new Error(`offene Bestellungen: ${JSON.stringify(open)}`);
    await expectAxeClean(provider, "Kennzahlen des Anbieters");
  });
  await mediatorStep("Kennzahlen des Intermediärs: zwei Bestellungen, axe-sauber", async () => {
    await mediator.goto(`${portal.url}/api/konto/kennzahlen`);
    const months = await chartTable(mediator, "bestellungen-monat");
    if (total(months) !== 2) throw new Error(`Bestellungen je Monat: ${JSON.stringify(months)}`);
    await expectAxeClean(mediator, "Kennzahlen des Intermediärs");
  });

  const other = await openPage(browser);
  const otherStep = journey(other, "Anbieter ekom21");
  const ekom = newMember("Otto Andereranbieter");
  await otherStep("Ein zweiter Anbieter (ekom21) bekommt für Dataports Bestellung 403 und ändert nichts", async () => {
    await portal.admin("create-provider-org", "--provider", "ekom21", "--name", "ekom21 – KGRZ Hessen", "--email", ekom.email, "--admin-name", ekom.name);
    await accept(other, portal, ekom, "ekom21");
    const response = await other.goto(`${portal.url}${CONSOLE}/${placed[0].id}`);
    if (response.status() !== 403) throw new Error(`HTTP ${response.status()} statt 403`);
    await expectText(other.locator("h1"), "Kein Zugriff");
    await other.goto(`${portal.url}${CONSOLE}`);
    const rows = await consoleRows(other);
    if (rows.length !== 1 || rows[0].number !== placed[2].number) throw new Error(`ekom21 sieht: ${JSON.stringify(rows)} (erwartet nur den Terminfinder)`);
  });
  await other.close();
});

test("Journey 12b: Umklappvertrag in den Konsolen ohne JavaScript", async () => {
  const { portal, browser } = env;
  const customerPage = await openPage(browser);
  const customerStep = journey(customerPage, "Kunde");
  const mine = [];
  await customerStep("Kunde bestellt zwei weitere Umklappverträge", async () => {
    await signInAs(customerPage, portal, customer);
    mine.push(await orderUmklapp(customerPage, portal));
    mine.push(await orderUmklapp(customerPage, portal));
  });

  const mediator = await openPage(browser, { javaScript: false });
  const mediatorStep = journey(mediator, "Intermediär ohne JavaScript");
  await mediatorStep("Anmelden und beide bestätigen", async () => {
    await signInAs(mediator, portal, intermediary, "govdigital");
    for (const o of mine) await confirmInConsole(mediator, portal, o.number, "Bestätigt durch Intermediär");
    await expectAxeClean(mediator, "Eingegangene Bestellung beim Intermediär (ohne JavaScript)");
  });
  const provider = await openPage(browser, { javaScript: false });
  const providerStep = journey(provider, "Anbieter ohne JavaScript");
  await providerStep("Dataport bestätigt die eine und lehnt die andere mit Begründung ab", async () => {
    await signInAs(provider, portal, dataport, "Dataport");
    await confirmInConsole(provider, portal, mine[0].number, "Bestellt");
    await rejectInConsole(provider, portal, mine[1].number, "Bitte klären Sie zuerst die Anzahl der Nutzer mit uns.", "Abgelehnt durch Anbieter (UV)", "Ablehnung ohne JavaScript");
  });
  const readOnly = await openPage(browser, { javaScript: false });
  await journey(readOnly, "Kunde ohne JavaScript")("Kunde sieht „Bestellt“ und die Ablehnung mit Begründung", async () => {
    await signInAs(readOnly, portal, customer);
    await readOnly.goto(mine[0].url);
    await expectText(readOnly.locator(".order-status"), "Bestellt");
    await readOnly.goto(mine[1].url);
    await expectText(readOnly.locator(".order-status"), "Abgelehnt durch Anbieter (UV)");
    await expectText(readOnly.getByRole("main"), "Anzahl der Nutzer");
  });
});

test("Journey 12c: Kennzahlen des Betreibers ohne JavaScript", async () => {
  const { portal, browser } = env;
  // The operator account `csp serve` creates out of the box; its invitation is in the mail folder.
  const operator = { name: "Konsole Betrieb", email: "konsole@betrieb.example", password: "Ein langer Satz als Passwort für den Betrieb 2026" };
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Betreiber ohne JavaScript");
  await step("Betreiberkonto aus csp serve: Einladung annehmen, zweiten Faktor einrichten", async () => {
    await setPasswordFromInvitation(page, portal, operator);
    await signInSettingUpSecondFactor(page, portal, operator);
  });
  await step("Kennzahlen des Portals: eine Registrierung, fünf Bestellungen in den zwölf Wochen; axe-sauber", async () => {
    await page.goto(`${portal.url}/api/betrieb/registrierungen`);
    await page.getByRole("navigation", { name: "Betriebskonsole" }).getByRole("link", { name: "Kennzahlen" }).click();
    await expectText(page.locator("h1"), "Kennzahlen des Portals");
    const registrations = await chartTable(page, "registrierungen-woche");
    const orders = await chartTable(page, "bestellungen-woche");
    if (registrations.length !== 12 || total(registrations) !== 1) throw new Error(`Registrierungen: ${JSON.stringify(registrations)}`);
    if (total(orders) !== 5) throw new Error(`Bestellungen: ${JSON.stringify(orders)}`);
    await page.getByRole("img", { name: /Gemeldete Bedarfe je Kategorie/ }).waitFor();
    await expectAxeClean(page, "Kennzahlen des Portals");
  });
});
