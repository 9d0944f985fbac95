// Journey 10: the Warenkorb. (10a) With JavaScript: a signed-in customer configures dMessenger
// in the account's order form and puts it in the Warenkorb with the second button (no
// billing address or consent needed there), then AusweisIDent Online's setup; the header
// counts the lines; the cart shows each line with its price and the net totals per billing
// period; a wrong quantity gets the function's message at the line, a right one changes the
// totals; a third offering (dDatabox) is added and removed again. (10b) Without JavaScript: the same from the account's order
// form. axe: 0 violations on the cart page, empty, with lines and with the function's
// message. (10a, continued) Both offerings, from two providers, are checked out at the Kasse
// (a missing consent first: the message, axe-clean); the confirmation lists two order numbers,
// "Ihre Bestellungen" shows both, and each provider gets the mail of its order. (10b) The
// checkout works without JavaScript too. (10c) Keyboard only: from the cart to the Kasse,
// the consents with the space bar, ordered with Enter; every stop visibly focused.
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { signInAs } from "../lib/members.mjs";
import { DATAPORT_EMAIL, mailsAbout, orderRows } from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("warenkorb");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

/** Configures dMessenger in the account's order form and puts it in the Warenkorb. */
async function addMessenger(page, portal) {
  await page.goto(`${portal.url}/api/bestellen/dmessenger`);
  const form = page.locator("main form[action='/api/bestellungen']");
  await form.getByRole("radio", { name: /^Standard:/ }).check();
  await form.getByRole("radio", { name: "Direktvertrag", exact: true }).check();
  await form.getByLabel(/^Anzahl Nutzer/).fill("250");
  await form.getByLabel(/^Rechenzentrum/).selectOption("Hamburg");
  await page.getByRole("button", { name: "In den Warenkorb" }).click();
  await page.waitForURL(/\/api\/warenkorb\?hinweis=hinzugefuegt$/);
  await expectText(page.locator("main [role=status]"), "Das Angebot liegt jetzt in Ihrem Warenkorb.");
}

async function addSetup(page, portal) {
  await page.goto(`${portal.url}/api/bestellen/ausweisident-online`);
  const form = page.locator("main form[action='/api/bestellungen']");
  await form.getByRole("radio", { name: /^Einrichtung:/ }).check();
  await form.getByRole("radio", { name: "Direktvertrag", exact: true }).check();
  await page.getByRole("button", { name: "In den Warenkorb" }).click();
  await page.waitForURL(/\/api\/warenkorb\?hinweis=hinzugefuegt$/);
}

/** A third offering, from the same provider as dMessenger, with both kinds of option. */
async function addDatabox(page, portal) {
  await page.goto(`${portal.url}/api/bestellen/ddatabox`);
  const form = page.locator("main form[action='/api/bestellungen']");
  await form.getByRole("radio", { name: /^Standard:/ }).check();
  await form.getByRole("radio", { name: "Direktvertrag", exact: true }).check();
  await form.getByLabel(/^Anzahl Nutzer/).fill("20");
  await form.getByLabel(/^Speicherkontingent je Nutzer/).selectOption("100 GB");
  await page.getByRole("button", { name: "In den Warenkorb" }).click();
  await page.waitForURL(/\/api\/warenkorb\?hinweis=hinzugefuegt$/);
}

function line(page, name) {
  return page.locator("section.cart-line").filter({ has: page.getByRole("heading", { name }) });
}

async function totals(page) {
  return (await page.locator("dl.totals").innerText()).replace(/\s+/g, " ").trim();
}

test("Journey 10a: drei Angebote in den Warenkorb, Menge ändern, eine Position entfernen", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Warenkorb");
  await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Stadt Korbhausen" }));

  await step("Startseite angemeldet: Konto, Bestellungen und Warenkorb statt Registrieren und Anmelden", async () => {
    await page.goto(`${portal.url}/`);
    const hero = page.locator("section.hero");
    await hero.getByRole("link", { name: "Warenkorb" }).waitFor({ state: "visible" });
    await hero.getByRole("link", { name: "Ihr Konto" }).waitFor({ state: "visible" });
    await hero.getByRole("link", { name: "Ihre Bestellungen" }).waitFor({ state: "visible" });
    for (const name of ["Anmelden", "Organisation registrieren"]) {
      if (await hero.getByRole("link", { name }).count()) throw new Error(`„${name}“ steht noch auf der Startseite`);
    }
  });
  await step("Leerer Warenkorb: axe-sauber", async () => {
    await page.goto(`${portal.url}/api/warenkorb`);
    await expectText(page.locator("h1"), "Warenkorb");
    await expectText(page.getByRole("main"), "Ihr Warenkorb ist leer");
    await expectAxeClean(page, "Warenkorb (leer)");
  });
  await step("dMessenger und AusweisIDent Online in den Warenkorb; die Kopfzeile zählt mit", async () => {
    await addMessenger(page, portal);
    await addSetup(page, portal);
    await expectText(page.getByRole("banner").getByRole("link", { name: /^Warenkorb/ }), "Warenkorb (2)");
    await expectText(line(page, "dMessenger"), "Dataport");
    await expectText(line(page, "dMessenger"), "Anzahl Nutzer: 250");
    const single = await line(page, "dMessenger").getByRole("link", { name: /^Einzeln bestellen/ }).getAttribute("href");
    if (single !== "/api/bestellen/dmessenger") throw new Error(`Einzeln bestellen: ${single}`);
    const sums = await totals(page);
    if (sums !== "monatlich 3,50 € netto einmalig 1.500,00 € netto") throw new Error(`Summen: „${sums}“`);
    await expectAxeClean(page, "Warenkorb mit zwei Positionen");
  });
  await step("Menge 0: die Meldung der Funktion an der Position, axe-sauber", async () => {
    const messenger = line(page, "dMessenger");
    await messenger.getByLabel(/^Menge/).fill("0");
    await messenger.evaluate((s) => { s.querySelector("form:not(.inline)").noValidate = true; });
    await messenger.getByRole("button", { name: /^Menge ändern/ }).click();
    await expectText(page.locator("h1"), "Warenkorb");
    await expectText(line(page, "dMessenger").locator(".field-error"), "ganze Zahl von 1 bis 100000");
    await expectAxeClean(page, "Warenkorb mit Meldung");
  });
  await step("Menge 250: die Summen ändern sich", async () => {
    const messenger = line(page, "dMessenger");
    await messenger.getByLabel(/^Menge/).fill("250");
    await messenger.getByRole("button", { name: /^Menge ändern/ }).click();
    await expectText(page.locator("main [role=status]"), "Die Position wurde geändert.");
    const sums = await totals(page);
    if (sums !== "monatlich 875,00 € netto einmalig 1.500,00 € netto") throw new Error(`Summen: „${sums}“`);
  });
  await step("dDatabox als dritte Position, dann wieder entfernen", async () => {
    await addDatabox(page, portal);
    await expectText(page.getByRole("banner").getByRole("link", { name: /^Warenkorb/ }), "Warenkorb (3)");
    await expectText(line(page, "dDatabox"), "Dataport");
    await expectText(line(page, "dDatabox"), "Speicherkontingent je Nutzer: 100 GB");
    await line(page, "dDatabox").getByRole("button", { name: /^Entfernen/ }).click();
    await expectText(page.locator("main [role=status]"), "Die Position wurde entfernt.");
    if (await line(page, "dDatabox").count()) throw new Error("Die entfernte Position steht noch im Warenkorb");
    await expectText(page.getByRole("banner").getByRole("link", { name: /^Warenkorb/ }), "Warenkorb (2)");
    const sums = await totals(page);
    if (sums !== "monatlich 875,00 € netto einmalig 1.500,00 € netto") throw new Error(`Summen nach dem Entfernen: „${sums}“`);
  });
  let numbers = [];
  await step("Zur Kasse: beide Positionen, Summen, Standardadresse vorgewählt; axe-sauber", async () => {
    await page.getByRole("link", { name: "Zur Kasse" }).click();
    await page.waitForURL(/\/api\/warenkorb\/kasse$/);
    await expectText(page.locator("h1"), "Kasse");
    await expectText(line(page, "dMessenger"), "Dataport");
    await expectText(line(page, "AusweisIDent Online"), "Bundesdruckerei");
    const sums = await totals(page);
    if (sums !== "monatlich 875,00 € netto einmalig 1.500,00 € netto") throw new Error(`Summen: „${sums}“`);
    const chosen = await page.getByLabel(/^Rechnungsadresse/).inputValue();
    if (!chosen) throw new Error("Keine Rechnungsadresse vorgewählt");
    await expectAxeClean(page, "Kasse");
  });
  await step("Ohne Zustimmung: die Meldung, nichts bestellt; axe-sauber", async () => {
    await page.getByLabel(/Nutzungsbedingungen des Portals/).check();
    await page.locator("main form").evaluate((f) => { f.noValidate = true; });
    await page.getByRole("button", { name: "Alle Positionen bestellen" }).click();
    await expectText(page.locator("h1"), "Kasse");
    await expectText(page.locator(".error-summary"), "servicespezifischen Bedingungen");
    await expectAxeClean(page, "Kasse mit Meldung");
  });
  await step("Bestellen: zwei Bestellnummern in der Bestätigung", async () => {
    await page.getByLabel(/Nutzungsbedingungen des Portals/).check();
    await page.getByLabel(/servicespezifischen Bedingungen der Angebote/).check();
    await page.getByRole("button", { name: "Alle Positionen bestellen" }).click();
    await page.waitForURL(/\/api\/warenkorb\/kasse\/[A-Za-z0-9_-]+$/);
    await expectText(page.locator("h1"), "Bestellungen aufgegeben");
    const links = page.locator("main li a");
    numbers = (await links.allInnerTexts()).map((t) => t.replace(/^Bestellung /, "").trim());
    if (numbers.length !== 2) throw new Error(`Bestellnummern: ${numbers.join(", ")}`);
    await expectAxeClean(page, "Bestätigung der Bestellungen");
  });
  await step("Ihre Bestellungen zeigt beide; jeder Anbieter bekommt seine E-Mail", async () => {
    await page.goto(`${portal.url}/api/konto/bestellungen`);
    const rows = await orderRows(page);
    for (const number of numbers) {
      if (!rows.some((r) => r.number === number)) throw new Error(`${number} fehlt in „Ihre Bestellungen“: ${JSON.stringify(rows)}`);
    }
    const byOffering = Object.fromEntries(rows.filter((r) => numbers.includes(r.number)).map((r) => [r.offering, r.number]));
    const messenger = Object.entries(byOffering).find(([o]) => o.includes("dMessenger"))?.[1];
    const ausweis = Object.entries(byOffering).find(([o]) => o.includes("AusweisIDent"))?.[1];
    if (!messenger || !ausweis) throw new Error(`Bestellungen: ${JSON.stringify(byOffering)}`);
    await until(() => mailsAbout(portal.mailDir, DATAPORT_EMAIL, messenger).length, `keine E-Mail an ${DATAPORT_EMAIL} zu ${messenger}`, { timeout: 15_000 });
    await until(() => mailsAbout(portal.mailDir, "bestellungen@bundesdruckerei.example", ausweis).length, `keine E-Mail an die Bundesdruckerei zu ${ausweis}`, { timeout: 15_000 });
  });
  await page.context().close();
});

test("Journey 10b: Warenkorb ohne JavaScript", async () => {
  const { portal, browser } = env;
  const withJs = await openPage(browser);
  const customer = await signUpAndSignIn(withJs, portal, journey(withJs, "Anmeldung (Warenkorb ohne JS)"), newCustomer({ organisation: "Gemeinde Korbdorf" }));
  await withJs.context().close();
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Warenkorb ohne JavaScript");

  await step("Anmelden, dMessenger in den Warenkorb, Menge ändern; axe-sauber", async () => {
    await signInAs(page, portal, customer, customer.organisation);
    await addMessenger(page, portal);
    await expectAxeClean(page, "Warenkorb ohne JavaScript");
    const messenger = line(page, "dMessenger");
    await messenger.getByLabel(/^Menge/).fill("10");
    await messenger.getByRole("button", { name: /^Menge ändern/ }).click();
    await expectText(page.locator("main [role=status]"), "Die Position wurde geändert.");
    const sums = await totals(page);
    if (sums !== "monatlich 35,00 € netto") throw new Error(`Summen: „${sums}“`);
  });
  await step("Ohne JavaScript zur Kasse und bestellen", async () => {
    await page.getByRole("link", { name: "Zur Kasse" }).click();
    await expectText(page.locator("h1"), "Kasse");
    await page.getByLabel(/Nutzungsbedingungen des Portals/).check();
    await page.getByLabel(/servicespezifischen Bedingungen der Angebote/).check();
    await page.getByRole("button", { name: "Alle Positionen bestellen" }).click();
    await expectText(page.locator("h1"), "Bestellungen aufgegeben");
    if ((await page.locator("main li a").count()) !== 1) throw new Error("Eine Bestellung erwartet");
    await expectAxeClean(page, "Bestätigung ohne JavaScript");
  });
  await page.context().close();
});

test("Journey 10c: zur Kasse und bestellen nur mit der Tastatur", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Kasse per Tastatur");
  await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Amt Kassentasten" }));
  await addSetup(page, portal);
  const kb = keyboardUser(page);

  await step("Im Warenkorb zu „Zur Kasse“ tabben und öffnen", async () => {
    await kb.tabUntil((f) => f.tag === "a" && /Zur Kasse/.test(f.text), "„Zur Kasse“");
    await kb.press("Enter", { navigates: true });
    await expectText(page.locator("h1"), "Kasse");
  });
  await step("Zustimmungen mit der Leertaste, mit Enter bestellen", async () => {
    await kb.tabUntil((f) => f.id === "consent-agb", "die Zustimmung zu den CSP-AGB");
    await kb.press(" ");
    await kb.tabUntil((f) => f.id === "consent-conditions", "die Zustimmung zu den Bedingungen", { max: 3 });
    await kb.press(" ");
    await kb.tabUntil((f) => f.tag === "button" && /Alle Positionen bestellen/.test(f.text), "„Alle Positionen bestellen“", { max: 2 });
    await kb.press("Enter", { navigates: true });
    await expectText(page.locator("h1"), "Bestellungen aufgegeben");
    kb.expectAllVisible();
  });
  await page.context().close();
});
