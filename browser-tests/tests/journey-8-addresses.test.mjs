// Journey 8: the organisation's addresses (Ihr Konto › Adressen). (8a) With JavaScript:
// the Hauptadmin finds the registration address as the Standardadresse, adds the
// Kämmerei as a billing address (first with mistakes the browser and then the function
// reports), makes it the default, opens the order form of her account from the static
// order page, finds the Kämmerei chosen and orders with it; the order and its contract
// folder show the billing address; she deletes the former default; later she edits the
// address and the order keeps its copy; the audit trail lists each step. (8b) Without JavaScript: the same forms, and the
// static order form sent once comes back as the account's form with the saved addresses.
// axe: 0 violations on the addresses page and the edit page, as opened and with errors,
// and on the order form with the saved addresses.
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { auditRows, notice, signInAs } from "../lib/members.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { dmessengerOrder, fillOrderForm, orderOnPage } from "../lib/orders.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("adressen");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

const KAEMMEREI = {
  kind: "Rechnungsadresse",
  label: "Kämmerei",
  recipient: "Stadt Adressfeld, Kämmerei",
  street: "Kassenweg 7",
  postcode: "54321",
  city: "Adressfeld",
  phone: "0421 555-0",
};

/** Opens "Adressen" through "Ihr Konto". */
async function openAddresses(page, portal) {
  await page.goto(`${portal.url}/api/konto`);
  await page.getByRole("main").getByRole("link", { name: "Adressen" }).click();
  await page.waitForURL(/\/api\/konto\/adressen/);
  await expectText(page.locator("h1"), "Adressen");
}

/** The form "Adresse hinzufügen" (or the edit form) filled with `a`. */
async function fillAddress(page, a) {
  const form = page.locator("main form[data-validate]");
  await form.getByLabel(/^Art der Adresse/).selectOption({ label: a.kind });
  await form.getByLabel(/^Bezeichnung/).fill(a.label);
  await form.getByLabel(/^Organisation oder Dienststelle/).fill(a.recipient);
  await form.getByLabel(/^Straße und Hausnummer/).fill(a.street);
  await form.getByLabel(/^Postleitzahl/).fill(a.postcode);
  await form.getByLabel(/^Ort\b/).fill(a.city);
  await form.getByLabel(/^Telefonnummer/).fill(a.phone);
}

/** Chooses the saved address whose entry starts with `label` in the order form. */
async function chooseSaved(page, label) {
  const select = page.locator("main form[action='/api/bestellungen']").getByLabel(/^Gespeicherte Adresse/);
  const value = await select.locator("option", { hasText: new RegExp(`^${label}`) }).first().getAttribute("value");
  await select.selectOption(value);
}

/** The row of an address in the table. */
function addressRow(page, label) {
  return page.locator("table.addresses tbody tr").filter({ hasText: label });
}

/** The account's order form (reached from the static page), the billing address chosen from the saved ones. */
async function orderWithSavedAddress(page, customer, label) {
  const form = page.locator("main form[action='/api/bestellungen']");
  await chooseSaved(page, label);
  const o = dmessengerOrder(customer, { contract: "Direktvertrag" });
  await form.getByRole("radio", { name: new RegExp(`^${o.plan}:`) }).check();
  await form.getByRole("radio", { name: o.contract, exact: true }).check();
  await form.getByLabel(/^Anzahl Nutzer/).fill(o.users);
  await form.getByLabel(/^Rechenzentrum/).selectOption(o.datacenter);
  await form.getByLabel(/Nutzungsbedingungen des Portals/).check();
  await form.getByLabel(/servicespezifischen Bedingungen/).check();
  await page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
  await page.waitForURL(/\/api\/konto\/bestellungen\/[^/?#]+$/);
  return orderOnPage(page);
}

test("Journey 8a: Rechnungsadresse anlegen, zur Standardadresse machen, damit bestellen", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Adressen");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Stadt Adressfeld" }));

  await step("Ihr Konto › Adressen: die Anschrift der Registrierung ist die Standardadresse; axe-sauber", async () => {
    await openAddresses(page, portal);
    await expectText(addressRow(page, "Standardadresse"), customer.street);
    await expectAxeClean(page, "Adressen");
  });
  await step("Adresse hinzufügen ohne Angaben: Fehlerübersicht im Browser, axe-sauber", async () => {
    await page.getByRole("button", { name: "Adresse hinzufügen" }).click();
    await until(async () => (await page.locator(".error-summary:not([hidden]) li").count()) === 6, "keine sechs Meldungen in der Fehlerübersicht");
    await expectAxeClean(page, "Adressen (Fehler im Browser)");
  });
  await step("Falsche Telefonnummer: die Funktion zeigt die Meldung, axe-sauber", async () => {
    await fillAddress(page, { ...KAEMMEREI, phone: "12" });
    await page.getByRole("button", { name: "Adresse hinzufügen" }).click();
    await expectText(page.locator(".error-summary:not([hidden])"), "Telefonnummer");
    await expectText(page.locator("h1"), "Adressen");
    await expectAxeClean(page, "Adressen (Fehler der Funktion)");
  });
  await step("Die Kämmerei als Rechnungsadresse anlegen und zur Standardadresse machen", async () => {
    await fillAddress(page, KAEMMEREI);
    await page.getByRole("button", { name: "Adresse hinzufügen" }).click();
    await expectText(notice(page), "Die Adresse wurde angelegt");
    await addressRow(page, "Kämmerei").getByRole("button", { name: /^Als Standardadresse festlegen/ }).click();
    await expectText(notice(page), "Die Standardadresse wurde geändert");
    await expectText(page.locator("table.addresses tbody tr").first(), "Kämmerei (Standardadresse)");
  });
  await step("Bearbeiten-Seite der bisherigen Standardadresse: axe-sauber, auch mit der Meldung der Funktion", async () => {
    await addressRow(page, "Anschrift bei der Registrierung").getByRole("link", { name: /^Bearbeiten/ }).click();
    await expectText(page.locator("h1"), "Adresse bearbeiten");
    await expectAxeClean(page, "Adresse bearbeiten");
    await page.getByLabel(/^Telefonnummer/).fill("12");
    await page.getByRole("button", { name: "Speichern" }).click();
    await expectText(page.locator(".error-summary:not([hidden])"), "Telefonnummer");
    await expectText(page.locator("h1"), "Adresse bearbeiten");
    await expectAxeClean(page, "Adresse bearbeiten (Fehler der Funktion)");
  });
  await step("Die bisherige Standardadresse löschen", async () => {
    await page.getByRole("button", { name: "Adresse löschen" }).click();
    await expectText(notice(page), "Die Adresse wurde gelöscht");
    if (await addressRow(page, "Anschrift bei der Registrierung").count()) throw new Error("Die gelöschte Adresse steht noch in der Liste");
  });

  let order;
  await step("Vom Bestellformular zum Bestellformular des Kontos: die Kämmerei ist gewählt; bestellen", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await page.getByRole("link", { name: "Bestellformular Ihres Kontos" }).click();
    await page.waitForURL(/\/api\/bestellen\/dmessenger$/);
    const chosen = await page.locator("#billing-address option:checked").textContent();
    if (!/^Kämmerei \(Standardadresse\)/.test(chosen)) throw new Error(`vorausgewählt: „${chosen}“`);
    await expectAxeClean(page, "Bestellformular mit gespeicherten Adressen");
    order = await orderWithSavedAddress(page, customer, "Kämmerei");
    await expectText(page.getByRole("main"), "Kassenweg 7, 54321 Adressfeld");
  });
  await step("Die Vertragsmappe zeigt die Rechnungsadresse", async () => {
    await page.goto(`${order.url}/vertragsmappe`);
    await expectText(page.getByRole("main"), "Stadt Adressfeld, Kämmerei");
    await expectText(page.getByRole("main"), "Kassenweg 7, 54321 Adressfeld");
  });
  await step("Die Adresse später ändern: die Bestellung behält ihre Kopie", async () => {
    await openAddresses(page, portal);
    await addressRow(page, "Kämmerei").getByRole("link", { name: /^Bearbeiten/ }).click();
    await page.getByLabel(/^Straße und Hausnummer/).fill("Umzugstraße 9");
    await page.getByRole("button", { name: "Speichern" }).click();
    await expectText(notice(page), "Die Adresse wurde gespeichert");
    await page.goto(order.url);
    await expectText(page.getByRole("main"), "Kassenweg 7, 54321 Adressfeld");
    if (await page.getByRole("main").getByText("Umzugstraße").count()) throw new Error("Die Bestellung zeigt die geänderte Adresse");
  });
  await step("Das Änderungsprotokoll nennt jeden Schritt", async () => {
    await page.goto(`${portal.url}/api/konto/mitarbeitende`);
    const rows = await auditRows(page);
    for (const action of ["Adresse angelegt", "Standardadresse geändert", "Adresse gelöscht", "Adresse geändert"]) {
      if (!rows.some((r) => r.includes(action))) throw new Error(`„${action}“ fehlt im Protokoll: ${rows.join(" | ")}`);
    }
  });
  await page.context().close();
});

test("Journey 8b: Adressen und Bestellung mit gespeicherter Adresse ohne JavaScript", async () => {
  const { portal, browser } = env;
  const withJs = await openPage(browser);
  const customer = await signUpAndSignIn(withJs, portal, journey(withJs, "Anmeldung (Adressen ohne JS)"), newCustomer({ organisation: "Gemeinde Ohneskript" }));
  await withJs.context().close();
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Adressen ohne JavaScript");

  await step("Anmelden, Adressen öffnen (axe-sauber), falsche Telefonnummer: Meldung der Funktion, axe-sauber", async () => {
    await signInAs(page, portal, customer, customer.organisation);
    await openAddresses(page, portal);
    await expectAxeClean(page, "Adressen ohne JavaScript");
    await fillAddress(page, { ...KAEMMEREI, phone: "12" });
    await page.getByRole("button", { name: "Adresse hinzufügen" }).click();
    await expectText(page.locator(".error-summary"), "Telefonnummer");
    await expectText(page.locator("h1"), "Adressen");
    await expectAxeClean(page, "Adressen mit Fehlern ohne JavaScript");
  });
  await step("Die Kämmerei anlegen und zur Standardadresse machen", async () => {
    await fillAddress(page, KAEMMEREI);
    await page.getByRole("button", { name: "Adresse hinzufügen" }).click();
    await expectText(notice(page), "Die Adresse wurde angelegt");
    await addressRow(page, "Kämmerei").getByRole("button", { name: /^Als Standardadresse festlegen/ }).click();
    await expectText(notice(page), "Die Standardadresse wurde geändert");
  });
  await step("Das statische Bestellformular einmal senden: es kommt mit den gespeicherten Adressen zurück; mit der Kämmerei bestellen", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(page, dmessengerOrder(customer, { contract: "Direktvertrag" }));
    await page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
    await expectText(page.locator(".error-summary"), "Zur Sicherheit bitte noch einmal");
    await chooseSaved(page, "Kämmerei");
    await page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
    await page.waitForURL(/\/api\/konto\/bestellungen\/[^/?#]+$/);
    await orderOnPage(page);
    await expectText(page.getByRole("main"), "Kassenweg 7, 54321 Adressfeld");
  });
  await page.context().close();
});
