// Journey 5: keyboard only. Journey 3's order (dMessenger, Standard, Umklappvertrag, options,
// billing address) on the static order page with Tab, Shift+Tab, Enter, Space, the arrow
// keys in radio groups and typing (also into the select, as its type-ahead works): no mouse,
// no fill(). Every focus stop must show a visible focus indicator.
import { test } from "node:test";
import { expectText, journey, openPage } from "../lib/browser.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { orderOnPage, shownStatus } from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("tastatur");

const is = (id) => (f) => f.id === id;

async function expectChecked(page, id, checked = true) {
  const now = await page.evaluate((i) => document.getElementById(i).checked, id);
  if (now !== checked) throw new Error(`#${id} ist ${now ? "" : "nicht "}ausgewählt`);
}

test("Journey 5: Bestellformular nur mit der Tastatur", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Nur Tastatur");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Landkreis Tastenfeld" }));
  const kb = keyboardUser(page);

  await step("Bestellseite öffnen; Tab erreicht zuerst „Zum Inhalt springen“, Enter springt zum Inhalt", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await expectText(page.locator("h1"), "dMessenger bestellen");
    const first = await kb.press("Tab");
    if (first.tag !== "a" || !/Zum Inhalt springen/.test(first.text)) throw new Error(`erster Tab-Stopp: ${first.label}`);
    await kb.press("Enter");
    const main = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (main !== "inhalt") throw new Error(`Nach Enter auf dem Sprunglink steht der Fokus auf #${main}, nicht auf dem Inhalt`);
  });
  await step("Tab bis zum Preismodell, Pfeil nach unten wählt „Standard“", async () => {
    await kb.tabUntil((f) => f.name === "plan", "das Preismodell");
    const f = await kb.press("ArrowDown");
    if (f.id !== "plan-standard") throw new Error(`Pfeil nach unten: Fokus auf ${f.label}`);
    await expectChecked(page, "plan-standard");
  });
  await step("Tab zum Vertragsmodell, Pfeil nach unten wählt „Umklappvertrag“", async () => {
    const f = await kb.press("Tab");
    if (f.name !== "contract_model") throw new Error(`Tab nach dem Preismodell: ${f.label} statt des Vertragsmodells`);
    const g = await kb.press("ArrowDown");
    if (g.id !== "vertrag-umklappvertrag") throw new Error(`Pfeil nach unten: Fokus auf ${g.label}`);
    await expectChecked(page, "vertrag-umklappvertrag");
  });
  await step("Optionen: Anzahl Nutzer tippen, Rechenzentrum per Tastatur wählen, Föderation mit Leertaste", async () => {
    await kb.tabUntil(is("option-nutzer"), "„Anzahl Nutzer“", { max: 3 });
    await kb.type("250");
    await kb.tabUntil(is("option-rechenzentrum"), "„Rechenzentrum“", { max: 1 });
    await kb.type("Nor");
    const dc = await page.locator("#option-rechenzentrum").inputValue();
    if (dc !== "Norderstedt") throw new Error(`Rechenzentrum nach Tippen von „Nor“: „${dc}“`);
    await kb.tabUntil(is("option-foederation"), "„Föderation“", { max: 1 });
    await kb.press("Space");
    await expectChecked(page, "option-foederation");
  });
  await step("Rechnungsadresse tippen; Tippfehler in der Postleitzahl mit Umschalt+Tab korrigieren", async () => {
    await kb.tabUntil(is("billing-org"), "„Organisation“", { max: 1 });
    await kb.type(customer.organisation);
    await kb.tabUntil(is("billing-street"), "„Straße und Hausnummer“", { max: 1 });
    await kb.type(customer.street);
    await kb.tabUntil(is("billing-postcode"), "„Postleitzahl“", { max: 1 });
    await kb.type("1234");
    await kb.tabUntil(is("billing-city"), "„Ort“", { max: 1 });
    await kb.type(customer.city);
    // Back to the postcode: the keyboard selects its text, typing replaces it.
    await kb.tabUntil(is("billing-postcode"), "„Postleitzahl“ rückwärts", { max: 1, back: true });
    await kb.type(customer.postcode);
    const pc = await page.locator("#billing-postcode").inputValue();
    if (pc !== customer.postcode) throw new Error(`Postleitzahl nach der Korrektur: „${pc}“`);
    await kb.tabUntil(is("billing-city"), "„Ort“", { max: 1 });
    await kb.tabUntil(is("reference"), "„Ihr Zeichen“", { max: 1 });
    await kb.type("Az. Tastatur-5");
    await kb.tabUntil(is("note"), "„Anmerkung“", { max: 1 });
    await kb.type("Bestellt nur mit der Tastatur.");
  });
  await step("Zustimmungen mit der Leertaste, die Links in den Beschriftungen sind eigene Stopps", async () => {
    await kb.tabUntil(is("consent-agb"), "Zustimmung CSP-AGB", { max: 1 });
    await kb.press("Space");
    await expectChecked(page, "consent-agb");
    await kb.tabUntil((f) => f.tag === "a" && /Nutzungsbedingungen/.test(f.text), "Link zu den CSP-AGB", { max: 1 });
    await kb.tabUntil(is("consent-conditions"), "Zustimmung zu den servicespezifischen Bedingungen", { max: 1 });
    await kb.press("Space");
    await expectChecked(page, "consent-conditions");
  });
  await step("Tab zum Knopf „Zahlungspflichtig bestellen“, Enter sendet", async () => {
    await kb.tabUntil((f) => f.tag === "button" && /Zahlungspflichtig bestellen/.test(f.text), "der Knopf „Zahlungspflichtig bestellen“", { max: 3 });
    await Promise.all([page.waitForURL(/\/api\/konto\/bestellungen\/[^/?#]+$/), kb.press("Enter", { navigates: true })]);
  });
  await step("Bestellseite: Status Offen, die Angaben von der Tastatur sind angekommen", async () => {
    await orderOnPage(page);
    const status = await shownStatus(page);
    if (!/Status: Offen\b/.test(status)) throw new Error(`Status „${status}“`);
    const facts = await page.locator("main dl.facts").evaluateAll((lists) =>
      Object.fromEntries(lists.flatMap((dl) => Array.from(dl.querySelectorAll("dt")).map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))),
    );
    const expected = {
      Preismodell: "Standard",
      Vertragsmodell: "Umklappvertrag",
      "Anzahl Nutzer": "250",
      Rechenzentrum: "Norderstedt",
      "Föderation mit anderen Matrix-Instanzen": "ja",
      "Ihr Zeichen": "Az. Tastatur-5",
      Rechnungsanschrift: `${customer.street}, ${customer.postcode} ${customer.city}`,
    };
    const wrong = Object.entries(expected).filter(([k, v]) => facts[k] !== v);
    if (wrong.length) throw new Error(`Abweichend: ${wrong.map(([k, v]) => `${k}: „${facts[k]}“ statt „${v}“`).join("; ")}`);
  });
  await step(`Jeder Fokus-Stopp zeigte einen sichtbaren Fokus`, () => {
    if (kb.stops.length < 15) throw new Error(`nur ${kb.stops.length} Fokus-Stopps gezählt`);
    process.stdout.write(`# ${kb.stops.length} Fokus-Stopps: ${kb.stops.map((f) => f.id || f.tag).join(" → ")}\n`);
    kb.expectAllVisible();
  });
  await page.context().close();
});
