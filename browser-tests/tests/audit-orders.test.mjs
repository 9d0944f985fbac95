// Accessibility audit of the order and Bedarf pages, same rules as audit.test.mjs: zero
// axe-core violations of WCAG 2.1 A/AA, no sideways scrolling at 320 px, screenshots at 1280
// and 375 px. All of them are the function's pages: the order and Bedarf forms with errors,
// the Bedarf confirmation, the order list and page, the printable contract folder, the
// decision pages behind the provider's links, and the pages for a used link and for someone
// not signed in.
import { expectText, expectVisible, journey, openPage } from "../lib/browser.mjs";
import { auditPageTypes } from "../lib/audit.mjs";
import { DATAPORT_EMAIL, decisionLink, dmessengerOrder, fillOrderForm, isoDate, rejectByLink, submitOrder } from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("audit-bestellungen");
const contexts = {};
let customer;

/** "signedin": a customer's browser (JS on); "js": someone not signed in (a provider). */
async function pageOf(kind) {
  if (!contexts[kind]) {
    const page = await openPage(env.browser, { javaScript: kind !== "nojs" });
    if (kind === "signedin") {
      customer = await signUpAndSignIn(page, env.portal, journey(page, "Anmeldung für die Bestellseiten"), newCustomer({ organisation: "Stadt Prüfbarkeit" }));
    }
    contexts[kind] = page;
  }
  return contexts[kind];
}

const go = (page, p) => page.goto(`${env.portal.url}${p}`);

// Orders placed once, by the signed-in customer, the first time a page type needs them.
const orders = {};
async function order(name, overrides) {
  if (!orders[name]) {
    const page = await pageOf("signedin");
    await go(page, "/bestellen/dmessenger/");
    await fillOrderForm(page, dmessengerOrder(customer, overrides));
    orders[name] = await submitOrder(page);
  }
  return orders[name];
}
// A Direktvertrag order: its decision mail goes straight to the provider.
const direct = () => order("direkt", { contract: "Direktvertrag" });

async function expectStatus(response, status) {
  if (!response || response.status() !== status) throw new Error(`HTTP ${response && response.status()} statt ${status}`);
}

const PAGE_TYPES = [
  {
    name: "Bestellformular der Funktion",
    slug: "bestellung-funktion",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await go(p, "/api/bestellen/dmessenger");
      await expectText(p.locator("h1"), "dMessenger bestellen");
    },
  },
  {
    name: "Bestellformular der Funktion mit Fehlern",
    slug: "bestellung-fehler-funktion",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await go(p, "/api/bestellen/dmessenger");
      await p.getByLabel(/^Postleitzahl/).fill("123");
      await p.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
      await expectVisible(p.locator(".error-summary"), "Fehlerübersicht der Funktion");
      await expectText(p.locator(".error-summary"), "Anzahl Nutzer");
    },
  },
  {
    name: "Bedarf melden (Funktion)",
    slug: "bedarf-funktion",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await go(p, "/api/bedarf?titel=Terminvergabe");
      await expectText(p.locator("h1"), "Bedarf melden");
    },
  },
  {
    name: "Bedarf melden mit Fehlern (Funktion)",
    slug: "bedarf-fehler-funktion",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await go(p, "/api/bedarf?titel=Terminvergabe");
      // The function's form is the static template: the script checks the required fields
      // first, so only what the browser cannot know (a date in the past) reaches the function.
      await p.getByLabel(/^Beschreibung/).fill("Online-Terminvergabe für drei Bürgerbüros.");
      await p.getByLabel(/^Gewünschter Starttermin/).fill(isoDate(-10));
      await p.getByRole("button", { name: "Bedarf senden" }).click();
      await expectVisible(p.locator(".error-summary"), "Fehlerübersicht der Funktion");
      await expectText(p.locator(".error-summary"), "Vergangenheit");
    },
  },
  {
    name: "Bedarf gemeldet (Funktion)",
    slug: "bedarf-gemeldet",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await go(p, "/api/bedarf?titel=Terminvergabe");
      await p.getByLabel(/^Beschreibung/).fill("Online-Terminvergabe für drei Bürgerbüros.");
      await p.getByRole("button", { name: "Bedarf senden" }).click();
      await expectText(p.locator("h1"), "Vielen Dank für Ihre Meldung");
    },
  },
  {
    name: "Ihre Bestellungen (Funktion)",
    slug: "bestellungen",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await direct();
      await order("umklapp", { contract: "Umklappvertrag" });
      await go(p, "/api/konto/bestellungen");
      await expectVisible(p.locator("table.orders"), "Tabelle der Bestellungen");
    },
  },
  {
    name: "Bestellung (Funktion)",
    slug: "bestellung-detail",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      const o = await order("umklapp", { contract: "Umklappvertrag" });
      await p.goto(o.url);
      await expectText(p.locator("h1"), `Bestellung ${o.number}`);
    },
  },
  {
    name: "Vertragsmappe zum Drucken (Funktion)",
    slug: "vertragsmappe",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      const o = await order("umklapp", { contract: "Umklappvertrag" });
      await p.goto(`${o.url}/vertragsmappe`);
      await expectText(p.locator("h1"), `Vertragsmappe ${o.number}`);
    },
  },
  {
    name: "Entscheidung über den Anbieter-Link: bestätigen (Funktion)",
    slug: "entscheidung-bestaetigen",
    fn: true,
    open: async (p) => {
      const o = await direct();
      await p.goto(await decisionLink(env.portal, DATAPORT_EMAIL, o.number, "bestaetigen"));
      await expectVisible(p.getByRole("button", { name: "Bestellung verbindlich bestätigen" }), "Knopf „Bestellung verbindlich bestätigen“");
    },
  },
  {
    name: "Entscheidung über den Anbieter-Link: ablehnen (Funktion)",
    slug: "entscheidung-ablehnen",
    fn: true,
    open: async (p) => {
      const o = await direct();
      await p.goto(await decisionLink(env.portal, DATAPORT_EMAIL, o.number, "ablehnen"));
      await expectVisible(p.getByLabel(/^Begründung/), "Feld „Begründung“");
    },
  },
  {
    name: "Entscheidung: ablehnen ohne Begründung (Funktion)",
    slug: "entscheidung-ablehnen-fehler",
    fn: true,
    open: async (p) => {
      const o = await direct();
      await p.goto(await decisionLink(env.portal, DATAPORT_EMAIL, o.number, "ablehnen"));
      const [response] = await Promise.all([
        p.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/api/entscheidung")),
        p.getByRole("button", { name: "Bestellung ablehnen" }).click(),
      ]);
      await expectStatus(response, 422);
      await expectVisible(p.locator(".error-summary"), "Fehlerübersicht");
      await expectText(p.locator(".error-summary"), "begründen");
    },
  },
  {
    name: "Entscheidung gespeichert (Funktion)",
    slug: "entscheidung-gespeichert",
    fn: true,
    open: async (p) => {
      const o = await direct();
      await p.goto(await decisionLink(env.portal, DATAPORT_EMAIL, o.number, "bestaetigen"));
      await p.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).click();
      await expectText(p.locator("h1"), "Entscheidung gespeichert");
    },
  },
  {
    name: "Entscheidungslink schon verwendet, 410 (Funktion)",
    slug: "entscheidung-link-ungueltig",
    fn: true,
    open: async (p) => {
      const o = await direct();
      const link = await decisionLink(env.portal, DATAPORT_EMAIL, o.number, "bestaetigen");
      await expectStatus(await p.goto(link), 410);
      await expectText(p.locator("h1"), "Link ungültig oder abgelaufen");
    },
  },
  {
    name: "Bestellung, vom Anbieter abgelehnt (Funktion)",
    slug: "bestellung-abgelehnt",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      const o = await order("abgelehnt", { contract: "Direktvertrag", plan: "Basis" });
      const provider = await pageOf("js");
      await rejectByLink(provider, await decisionLink(env.portal, DATAPORT_EMAIL, o.number, "ablehnen"), o.number, "Bitte zuerst ein Beratungsgespräch vereinbaren.");
      await p.goto(o.url);
      await expectText(p.locator(".order-status"), "Abgelehnt durch Anbieter (DV)");
    },
  },
  {
    name: "Bitte melden Sie sich an, 401 (Funktion)",
    slug: "nicht-angemeldet",
    fn: true,
    open: async (p) => {
      await expectStatus(await go(p, "/api/konto/bestellungen"), 401);
      await expectText(p.locator("h1"), "Bitte melden Sie sich an");
    },
  },
];

auditPageTypes(PAGE_TYPES, { pageOf, baseUrl: () => env.portal.url, file: "2-bestellungen" });
