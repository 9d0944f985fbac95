// Journey 10d: into the Warenkorb from an offering's pages, and back after signing in.
// (1) With JavaScript: someone not signed in configures dMessenger on the static order page
// and presses "In den Warenkorb"; the sign-in page leads back to the order form with the
// choice kept (plan, contract model, options, quantity), and one more press puts it in the
// cart. Then the offering's price changes in content/ while `csp serve` runs: the cart marks
// the line with the old and the new price (axe-clean), the Kasse refuses it until it is
// confirmed, and the totals follow the new price. A signed-in person's "In den Warenkorb" on
// the detail page opens the order form at once. (2) Without JavaScript: "In den Warenkorb" on
// the detail page, signing in on the static page, back at the order form; and the choice
// kept from the static order form. (3) Keyboard only: from the detail page through signing
// in to the order form, every stop visibly focused.
import { test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("warenkorb-zurueck", { copyContent: true });
let customer;

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

async function registered() {
  if (customer) return customer;
  const page = await openPage(env.browser);
  customer = await signUpAndSignIn(page, env.portal, journey(page, "Registrierung (Warenkorb zurück)"), newCustomer({ organisation: "Stadt Rückkehr" }));
  await page.context().close();
  return customer;
}

/** Fills the sign-in form on the page shown and sends it. */
async function signInHere(page, c) {
  await expectText(page.locator("h1"), "Anmelden");
  await page.getByLabel(/^E-Mail-Adresse/).fill(c.email);
  await page.getByLabel(/^Passwort\b/).fill(c.password);
  await page.getByRole("button", { name: "Anmelden" }).click();
}

/** Chooses dMessenger's Standard plan with options and a quantity on the order form shown. */
async function chooseMessenger(page, quantity) {
  const form = page.locator("main form[action='/api/bestellungen']");
  await form.getByRole("radio", { name: /^Standard:/ }).check();
  await form.getByRole("radio", { name: "Direktvertrag", exact: true }).check();
  await form.getByLabel(/^Anzahl Nutzer/).fill("250");
  await form.getByLabel(/^Rechenzentrum/).selectOption("Hamburg");
  await form.getByLabel(/^Menge/).fill(String(quantity));
}

/** The order form shows the choice made before signing in. */
async function expectChoiceKept(page, quantity) {
  await expectText(page.locator("h1"), "dMessenger bestellen");
  const form = page.locator("main form[action='/api/bestellungen']");
  if (!(await form.getByRole("radio", { name: /^Standard:/ }).isChecked())) throw new Error("Preismodell Standard nicht gewählt");
  if (!(await form.getByRole("radio", { name: "Direktvertrag", exact: true }).isChecked())) throw new Error("Direktvertrag nicht gewählt");
  const values = [
    await form.getByLabel(/^Anzahl Nutzer/).inputValue(),
    await form.getByLabel(/^Rechenzentrum/).inputValue(),
    await form.getByLabel(/^Menge/).inputValue(),
  ];
  if (values.join("|") !== `250|Hamburg|${quantity}`) throw new Error(`Auswahl nicht übernommen: ${values.join(", ")}`);
}

function line(page, name) {
  return page.locator("section.cart-line").filter({ has: page.getByRole("heading", { name }) });
}

async function totals(page) {
  return (await page.locator("dl.totals").innerText()).replace(/\s+/g, " ").trim();
}

test("Journey 10d-1: Auswahl bleibt über die Anmeldung erhalten; Preisänderung im Warenkorb markiert", async () => {
  const { portal, browser } = env;
  const c = await registered();
  const page = await openPage(browser);
  const step = journey(page, "Warenkorb nach Anmeldung");

  await step("Nicht angemeldet: Bestellformular ausfüllen, „In den Warenkorb“ führt zur Anmeldung; axe-sauber", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await chooseMessenger(page, 25);
    await page.getByRole("button", { name: "In den Warenkorb" }).click();
    await page.waitForURL(/\/anmelden\/\?weiter=/);
    const kept = await page.locator("main form input[name=weiter]").inputValue();
    if (!kept.startsWith("/api/bestellen/dmessenger?") || !kept.includes("menge=25")) throw new Error(`weiter: ${kept}`);
    await expectAxeClean(page, "Anmeldung mit Rückweg");
  });
  await step("Anmelden: zurück im Bestellformular, die Auswahl ist erhalten; axe-sauber", async () => {
    await signInHere(page, c);
    await page.waitForURL(/\/api\/bestellen\/dmessenger\?/);
    await expectChoiceKept(page, 25);
    await expectAxeClean(page, "Bestellformular mit übernommener Auswahl");
  });
  await step("Ein Klick auf „In den Warenkorb“: die Position mit Menge 25", async () => {
    await page.getByRole("button", { name: "In den Warenkorb" }).click();
    await page.waitForURL(/\/api\/warenkorb\?hinweis=hinzugefuegt$/);
    await expectText(line(page, "dMessenger"), "Anzahl Nutzer: 250");
    const sums = await totals(page);
    if (sums !== "monatlich 87,50 € netto") throw new Error(`Summen: „${sums}“`);
  });
  await step("Angemeldet: „In den Warenkorb“ auf der Detailseite öffnet das Bestellformular", async () => {
    await page.goto(`${portal.url}/cloud-services/ausweisident-online/`);
    await page.getByRole("link", { name: "In den Warenkorb" }).click();
    await page.waitForURL(/\/api\/bestellen\/ausweisident-online/);
    await expectText(page.locator("h1"), "AusweisIDent Online bestellen");
  });
  await step("Preis in content/ ändern: serve baut neu, die Detailseite zeigt ihn", async () => {
    const file = path.join(portal.contentDir, "offerings", "dmessenger.yaml");
    const before = fs.readFileSync(file, "utf8");
    const after = before.replace('price: "3.50"', 'price: "3.90"');
    if (after === before) throw new Error("Preis 3.50 nicht in dmessenger.yaml gefunden");
    fs.writeFileSync(file, after);
    await until(async () => {
      const res = await fetch(`${portal.url}/cloud-services/dmessenger/`);
      return (await res.text()).includes("3,90");
    }, "die Detailseite zeigt den neuen Preis nicht", { timeout: 60_000, interval: 250 });
  });
  await step("Der Warenkorb markiert die Position mit altem und neuem Preis; axe-sauber", async () => {
    // The function takes the new catalog once the rebuild is through (right after the pages).
    await until(async () => {
      await page.goto(`${portal.url}/api/warenkorb`);
      return (await line(page, "dMessenger").locator(".notice").count()) > 0;
    }, "der Warenkorb markiert die Position nicht", { timeout: 15_000, interval: 500 });
    const marked = line(page, "dMessenger").locator(".notice");
    await expectText(marked, "Geändert, seit Sie es in den Warenkorb gelegt haben");
    await expectText(marked, /vorher 3,50 €.*jetzt 3,90 €/);
    const sums = await totals(page);
    if (sums !== "monatlich 97,50 € netto") throw new Error(`Summen nach der Preisänderung: „${sums}“`);
    await expectAxeClean(page, "Warenkorb mit geänderter Position");
  });
  await step("Die Kasse bestellt die geänderte Position nicht, bevor sie bestätigt ist", async () => {
    await page.getByRole("link", { name: "Zur Kasse" }).click();
    await expectText(page.locator("h1"), "Kasse");
    await page.getByRole("link", { name: /^Im Warenkorb prüfen/ }).waitFor();
    await page.getByLabel(/Nutzungsbedingungen des Portals/).check();
    await page.getByLabel(/servicespezifischen Bedingungen der Angebote/).check();
    await page.getByRole("button", { name: "Alle Positionen bestellen" }).click();
    await expectText(page.locator(".error-summary"), "Nicht alle Positionen können so bestellt werden");
    await expectText(page.getByRole("main"), /dMessenger: Der Preis hat sich geändert.*Bitte bestätigen oder entfernen Sie diese Position/);
    await expectAxeClean(page, "Kasse mit geänderter Position");
  });
  await step("Bestätigt mit „Menge ändern“: keine Markierung mehr", async () => {
    await page.goto(`${portal.url}/api/warenkorb`);
    await line(page, "dMessenger").getByRole("button", { name: /^Menge ändern/ }).click();
    await expectText(page.locator("main [role=status]"), "Die Position wurde geändert.");
    if (await line(page, "dMessenger").locator(".notice").count()) throw new Error("Die Position ist nach der Bestätigung noch markiert");
  });
  await page.context().close();
});

test("Journey 10d-2: ohne JavaScript von der Detailseite über die Anmeldung zurück", async () => {
  const { portal, browser } = env;
  const c = await registered();
  let page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Warenkorb nach Anmeldung ohne JavaScript");

  await step("Detailseite: „In den Warenkorb“ führt zur Anmeldung; axe-sauber", async () => {
    await page.goto(`${portal.url}/cloud-services/dmessenger/`);
    await page.getByRole("link", { name: "In den Warenkorb" }).click();
    await page.waitForURL(/\/anmelden\/\?weiter=%2Fapi%2Fbestellen%2Fdmessenger/);
    await expectAxeClean(page, "Anmeldung mit Rückweg ohne JavaScript");
  });
  await step("Auf der statischen Seite anmelden: zurück im Bestellformular", async () => {
    await signInHere(page, c);
    await page.waitForURL(/\/api\/bestellen\/dmessenger(#.*)?$/);
    await expectText(page.locator("h1"), "dMessenger bestellen");
  });
  await page.context().close();

  page = await openPage(browser, { javaScript: false });
  await step("Statisches Bestellformular ohne JavaScript: Auswahl bleibt über die Anmeldung erhalten", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await chooseMessenger(page, 3);
    await page.getByRole("button", { name: "In den Warenkorb" }).click();
    await page.waitForURL(/\/anmelden\/\?weiter=/);
    await signInHere(page, c);
    await page.waitForURL(/\/api\/bestellen\/dmessenger\?/);
    await expectChoiceKept(page, 3);
    await page.getByRole("button", { name: "In den Warenkorb" }).click();
    await page.waitForURL(/\/api\/warenkorb\?hinweis=hinzugefuegt$/);
    await expectText(page.locator("main [role=status]"), "Das Angebot liegt jetzt in Ihrem Warenkorb.");
  });
  await page.context().close();
});

test("Journey 10d-3: von der Detailseite über die Anmeldung nur mit der Tastatur", async () => {
  const { portal, browser } = env;
  const c = await registered();
  const page = await openPage(browser);
  const step = journey(page, "Warenkorb nach Anmeldung per Tastatur");
  const kb = keyboardUser(page);

  await step("Zu „In den Warenkorb“ tabben und öffnen", async () => {
    await page.goto(`${portal.url}/cloud-services/dmessenger/`);
    await kb.tabUntil((f) => f.tag === "a" && /In den Warenkorb/.test(f.text), "„In den Warenkorb“");
    await kb.press("Enter", { navigates: true });
    await page.waitForURL(/\/anmelden\/\?weiter=/);
    await expectText(page.locator("h1"), "Anmelden");
  });
  await step("Anmelden mit Tab, Eingaben und Enter: zurück im Bestellformular", async () => {
    await kb.tabUntil((f) => f.id === "email", "das Feld E-Mail-Adresse");
    await kb.type(c.email);
    await kb.tabUntil((f) => f.id === "password", "das Feld Passwort", { max: 3 });
    await kb.type(c.password);
    await kb.press("Enter", { navigates: true });
    await page.waitForURL(/\/api\/bestellen\/dmessenger/);
    await expectText(page.locator("h1"), "dMessenger bestellen");
    kb.expectAllVisible();
  });
  await page.context().close();
});
