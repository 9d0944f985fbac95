// Journey 11b: the operator console beyond the registrations. A customer reports a Bedarf
// and orders dMessenger (with JavaScript). The operator uses the account `csp serve` creates out of the box
// (konsole@betrieb.example, invitation in the mail folder): without JavaScript the operator
// accepts the invitation, sets a password and the mandatory second factor, then in
// "Gemeldete Bedarfe" finds the need, filters with a wrong date (error summary), filters the
// open ones (GET form), marks the need as handled (the list says by whom), downloads the CSV
// export (BOM, `;`), opens "Fristen der Bestellungen" through the console's navigation (the
// customer's order, moved 31 days back and closed by the scheduled work, then appears under
// "Vom Portal geschlossen"), then
// under "Organisationen" finds the customer's organisation, saves it without a name (error
// summary), deactivates it (the customer can no longer sign in) and reactivates it; under
// "Anbieterorganisationen" sends the form empty (error summary), then creates the
// organisation of a provider without one and sees its first Hauptadmin listed as eingeladen.
// "Zweiten Faktor zurücksetzen": the customer has switched her second factor on; from her
// organisation's page the operator opens the form, is refused for the own factor (message at
// the field), confirms "Wirklich zurücksetzen?" for the customer, who gets a mail; with
// JavaScript and by keyboard only, a person without a factor is refused at the field.
// A customer gets 403 on the console. axe: 0 violations on every console page, empty and
// with errors.
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { mails } from "../lib/mail.mjs";
import { dmessengerOrder, expectNeedConfirmed, fillNeed, fillOrderForm, submitOrder } from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { signUpAndSignIn } from "../lib/signup.mjs";
import { setPasswordFromInvitation, signInSettingUpSecondFactor } from "../lib/members.mjs";
import { totp } from "../lib/totp.mjs";

const env = portalAndBrowser("betriebskonsole");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

const operator = { name: "Konsole Betrieb", email: "konsole@betrieb.example", password: "Ein langer Satz als Passwort für die Betriebskonsole 2026" };
const need = { title: `Terminvergabe für Bürgerbüros ${process.pid}`, description: "Online-Terminvergabe mit Erinnerung per E-Mail." };

test("Journey 11b: Betriebskonsole – Bedarfe filtern, als erledigt markieren, CSV; Fristen", async () => {
  const { portal, browser } = env;
  const customers = await openPage(browser);
  const customerStep = journey(customers, "Kunde meldet einen Bedarf");
  const customer = await signUpAndSignIn(customers, portal, customerStep);
  await customerStep("Bedarf melden", async () => {
    await customers.goto(`${portal.url}/api/bedarf`);
    await fillNeed(customers, need);
    await customers.getByRole("button", { name: "Bedarf senden" }).click();
    await expectNeedConfirmed(customers);
  });
  await customerStep("Die Kundin schaltet die Zwei-Faktor-Anmeldung ein", async () => {
    await customers.goto(`${portal.url}/api/konto/zwei-faktor`);
    const customerKey = (await customers.locator("[data-secret]").textContent()).trim();
    await customers.getByLabel("Bestätigungscode aus der App").fill(totp(customerKey));
    await customers.getByRole("button", { name: "Zwei-Faktor-Anmeldung einschalten" }).click();
    await expectText(customers.getByRole("main").getByRole("status"), "ist eingeschaltet");
  });
  let expired;
  await customerStep("Kunde bestellt den dMessenger als Direktvertrag", async () => {
    await customers.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(customers, dmessengerOrder(customer, { contract: "Direktvertrag" }));
    expired = await submitOrder(customers);
  });
  await customerStep("Die Betriebskonsole ist Kundinnen und Kunden verschlossen (403)", async () => {
    const reset = await customers.request.post(`${portal.url}/api/betrieb/zwei-faktor`, {
      form: { email: operator.email, bestaetigt: "ja" },
      headers: { origin: portal.url },
    });
    if (reset.status() !== 403) throw new Error(`Zurücksetzen: Status ${reset.status()} statt 403`);
    const response = await customers.goto(`${portal.url}/api/betrieb/bedarfe`);
    if (response.status() !== 403) throw new Error(`Status ${response.status()} statt 403`);
  });
  await customers.context().close();

  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Betriebskonsole ohne JavaScript");
  await step("Das Betreiberkonto aus csp serve: Einladung annehmen, Passwort festlegen", async () => {
    await setPasswordFromInvitation(page, portal, operator);
  });
  await step("Anmelden und den vorgeschriebenen zweiten Faktor einrichten", async () => {
    await signInSettingUpSecondFactor(page, portal, operator);
  });
  await step("Gemeldete Bedarfe: der Bedarf steht da, axe-sauber", async () => {
    await page.goto(`${portal.url}/api/betrieb/registrierungen`);
    await page.getByRole("navigation", { name: "Betriebskonsole" }).getByRole("link", { name: "Gemeldete Bedarfe" }).click();
    await expectText(page.locator("h1"), "Gemeldete Bedarfe");
    await expectText(page.getByRole("heading", { name: need.title }), need.title);
    await expectAxeClean(page, "Gemeldete Bedarfe");
  });
  await step("Ein unmögliches Datum im Filter: Fehlerübersicht, axe-sauber", async () => {
    const response = await page.goto(`${portal.url}/api/betrieb/bedarfe?von=2026-02-30`);
    if (response.status() !== 422) throw new Error(`Status ${response.status()} statt 422`);
    await expectText(page.locator(".error-summary"), "Datum");
    await expectAxeClean(page, "Gemeldete Bedarfe (mit Fehler)");
  });
  await step("Nur offene filtern und den Bedarf als erledigt markieren", async () => {
    await page.getByLabel("Stand").selectOption({ label: "Nur offene" });
    await page.getByLabel("Gemeldet ab").fill("");
    await page.getByRole("button", { name: "Filter anwenden" }).click();
    await page.waitForURL(/stand=offen/);
    await page.getByRole("region", { name: need.title }).getByRole("button", { name: /Als erledigt markieren/ }).click();
    await page.waitForURL(/hinweis=erledigt/);
    await expectText(page.getByRole("main").getByRole("status"), "ist als erledigt markiert");
    await expectText(page.getByRole("main"), "Kein Bedarf passt zu diesen Filtern");
    await expectAxeClean(page, "Gemeldete Bedarfe (keiner offen)");
  });
  await step("Die erledigten nennen, wer markiert hat", async () => {
    await page.getByLabel("Stand").selectOption({ label: "Nur erledigte" });
    await page.getByRole("button", { name: "Filter anwenden" }).click();
    await page.waitForURL(/stand=erledigt/);
    await expectText(page.getByRole("main"), `von ${operator.name}`);
  });
  await step("CSV-Export der gefilterten Liste: BOM und Semikolon", async () => {
    const href = await page.getByRole("link", { name: "Diese Liste als CSV-Datei herunterladen" }).getAttribute("href");
    const response = await page.request.get(`${portal.url}${href}`);
    if (response.status() !== 200) throw new Error(`Status ${response.status()}`);
    const body = await response.body();
    if (!(body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)) throw new Error("keine Byte-Order-Mark");
    const lines = body.toString("utf8").slice(1).split("\r\n").filter(Boolean);
    if (lines.length !== 2) throw new Error(`${lines.length} Zeilen statt 2:\n${lines.join("\n")}`);
    if (!lines[1].includes(`;${need.title};`)) throw new Error(`Bedarf fehlt: ${lines[1]}`);
    if (!lines[1].includes(`;erledigt;`)) throw new Error(`nicht erledigt: ${lines[1]}`);
  });
  await step("Fristen der Bestellungen über die Navigation: nichts an der Frist, nichts geschlossen, axe-sauber", async () => {
    await page.getByRole("navigation", { name: "Betriebskonsole" }).getByRole("link", { name: "Fristen der Bestellungen" }).click();
    await expectText(page.locator("h1"), "Fristen der Bestellungen");
    await expectText(page.getByRole("main"), "Keine unentschiedene Bestellung");
    await expectText(page.getByRole("main"), "hat das Portal keine Bestellung an der Frist geschlossen");
    await expectAxeClean(page, "Fristen der Bestellungen (leer)");
  });
  await step("31 Tage später schließt das Portal die Bestellung: „Vom Portal geschlossen“ nennt sie, axe-sauber", async () => {
    // The portal has no clock to turn: the order is moved 31 days into the past in the
    // function's database, then the scheduled work runs as its command.
    const month = 31 * 86400;
    execFileSync("sqlite3", [
      path.join(portal.functionDir, "function.sqlite3"),
      `UPDATE orders SET created_at = created_at - ${month}, deadline = deadline - ${month},
         doc = json_set(doc, '$.created_at', created_at - ${month}, '$.deadline', deadline - ${month})
       WHERE number = '${expired.number}';`,
    ]);
    // (`csp serve` runs the same work every few minutes; whichever comes first closes it.)
    const out = await portal.admin("run-due-work");
    if (!/Fehler: 0/.test(out)) throw new Error(`die Arbeit meldet Fehler: ${out}`);
    await page.reload();
    const section = page.getByRole("region", { name: /Vom Portal geschlossene Bestellungen/ });
    const row = section.getByRole("row", { name: new RegExp(expired.number) });
    await expectText(row, customer.organisation);
    await expectText(row, "dMessenger");
    await expectText(row, "Anbieter");
    await expectAxeClean(page, "Fristen der Bestellungen (mit geschlossener Bestellung)");
  });
  await step("Organisationen: suchen und die Organisation der Kundin öffnen, axe-sauber", async () => {
    await page.getByRole("navigation", { name: "Betriebskonsole" }).getByRole("link", { name: "Organisationen", exact: true }).click();
    await expectText(page.locator("h1"), "Organisationen");
    await page.getByLabel("Name der Organisation").fill(customer.organisation);
    await page.getByRole("main").getByRole("button", { name: "Suchen" }).click();
    await page.getByRole("link", { name: customer.organisation }).click();
    await expectText(page.locator("h1"), `Organisation: ${customer.organisation}`);
    await expectText(page.getByRole("main"), customer.email);
    await expectAxeClean(page, "Organisation");
  });
  await step("Ohne Namen gespeichert: Fehlerübersicht, axe-sauber", async () => {
    await page.getByLabel(/^Name der Organisation/).fill(" ");
    await page.getByRole("button", { name: "Name und Rechtsform speichern" }).click();
    await expectText(page.locator(".error-summary"), "Namen");
    await expectAxeClean(page, "Organisation (mit Fehler)");
  });
  await step("Organisation deaktivieren: die Kundin kann sich nicht mehr anmelden", async () => {
    await page.goto(page.url().replace(/\/name$/, ""));
    await page.getByRole("button", { name: "Organisation deaktivieren" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist deaktiviert");
    await expectText(page.getByRole("main"), "Deaktiviert");
    await expectAxeClean(page, "Organisation (deaktiviert)");
    const other = await openPage(browser, { javaScript: false });
    await other.goto(`${portal.url}/anmelden/`);
    await other.getByLabel(/^E-Mail-Adresse/).fill(customer.email);
    await other.getByLabel(/^Passwort/).fill(customer.password);
    await other.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
    await until(async () => !/\/api\/konto$/.test(other.url()), "die deaktivierte Organisation kam ins Konto");
    await expectText(other.locator("main"), "nicht richtig");
    await other.context().close();
  });
  await step("Organisation wieder aktivieren", async () => {
    await page.getByRole("button", { name: "Organisation wieder aktivieren" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "wieder aktiv");
  });
  await step("Zweiten Faktor zurücksetzen: aus der Personenliste, Adresse vorausgefüllt, axe-sauber", async () => {
    // The link names the person for screen readers ("Zurücksetzen: Erika Mustermann").
    await page.getByRole("region", { name: "Personen" }).getByRole("link", { name: new RegExp(`^Zurücksetzen\\W+${customer.name}$`) }).click();
    await expectText(page.locator("h1"), "Zweiten Faktor zurücksetzen");
    const value = await page.getByLabel(/^E-Mail-Adresse der Person/).inputValue();
    if (value !== customer.email) throw new Error(`vorausgefüllt: ${value}`);
    await expectAxeClean(page, "Zweiten Faktor zurücksetzen");
  });
  await step("Der eigene Faktor: Meldung am Feld, axe-sauber", async () => {
    await page.getByLabel(/^E-Mail-Adresse der Person/).fill(operator.email);
    await page.getByRole("button", { name: "Weiter" }).click();
    await expectText(page.locator(".error-summary"), "eigenen zweiten Faktor");
    await expectText(page.locator("#zf-email-fehler"), "Betriebskonsole");
    await expectAxeClean(page, "Zweiten Faktor zurücksetzen (mit Fehler)");
  });
  await step("Wirklich zurücksetzen? Ja: Hinweis und E-Mail an die Kundin, axe-sauber", async () => {
    await page.getByLabel(/^E-Mail-Adresse der Person/).fill(customer.email);
    await page.getByRole("button", { name: "Weiter" }).click();
    await expectText(page.locator("h1"), "Wirklich zurücksetzen?");
    await expectText(page.getByRole("main"), customer.organisation);
    await expectAxeClean(page, "Wirklich zurücksetzen?");
    await page.getByRole("button", { name: "Ja, zweiten Faktor zurücksetzen" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist zurückgesetzt");
    await expectAxeClean(page, "Zweiten Faktor zurücksetzen (zurückgesetzt)");
    await until(
      () => mails(portal.mailDir).find((m) => m.to.includes(customer.email) && /zurückgesetzt/.test(m.body) && /abgemeldet/.test(m.body)),
      "keine E-Mail über das Zurücksetzen an die Kundin",
    );
  });
  await step("Mit JavaScript, nur Tastatur: eine Person ohne zweiten Faktor, Meldung am Feld", async () => {
    const jsPage = await openPage(browser, { storageState: await page.context().storageState() });
    const kb = keyboardUser(jsPage);
    await jsPage.goto(`${portal.url}/api/betrieb/zwei-faktor`);
    await kb.tabUntil((f) => f.id === "zf-email", "das Feld „E-Mail-Adresse der Person“");
    await kb.type(customer.email);
    await kb.tabUntil((f) => f.tag === "button" && /Weiter/.test(f.text), "„Weiter“", { max: 2 });
    await kb.press("Enter", { navigates: true });
    await expectText(jsPage.locator(".error-summary"), "ohne zweiten Faktor");
    await expectText(jsPage.locator("#zf-email-fehler"), "nichts zurückzusetzen");
    await expectAxeClean(jsPage, "Zweiten Faktor zurücksetzen (mit JavaScript, mit Fehler)");
    kb.expectAllVisible();
    await jsPage.context().close();
  });
  await step("Anbieterorganisationen über die Navigation: leeres Formular, axe-sauber", async () => {
    await page.getByRole("navigation", { name: "Betriebskonsole" }).getByRole("link", { name: "Anbieterorganisationen" }).click();
    await expectText(page.locator("h1"), "Anbieterorganisationen");
    await expectAxeClean(page, "Anbieterorganisationen (leeres Formular)");
  });
  await step("Ohne Angaben angelegt: Fehlerübersicht, axe-sauber", async () => {
    await page.getByRole("button", { name: "Organisation anlegen und einladen" }).click();
    await expectText(page.locator(".error-summary"), "Anbieter oder den Intermediär");
    await expectAxeClean(page, "Anbieterorganisationen (mit Fehlern)");
  });
  await step("Die Organisation eines Anbieters ohne Organisation anlegen: eingeladen", async () => {
    const choice = page.locator('#partei optgroup[label="Anbieter ohne Organisation"] option').first();
    const providerId = await choice.getAttribute("value");
    await page.locator("#partei").selectOption(providerId);
    const orgName = `Anbieter-Organisation ${process.pid}`;
    await page.locator("#partei-org-name").fill(orgName);
    await page.locator("#partei-admin-name").fill("Erste Hauptadministration");
    await page.locator("#partei-admin-email").fill(`erste-${process.pid}@anbieter.example`);
    await page.getByRole("button", { name: "Organisation anlegen und einladen" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist angelegt");
    const row = page.getByRole("row").filter({ hasText: orgName });
    await expectText(row, providerId);
    await expectText(row.locator(".invitation"), "eingeladen");
    await expectAxeClean(page, "Anbieterorganisationen (angelegt)");
  });
  await page.context().close();
});
