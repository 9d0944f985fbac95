// Accessibility audit of every page type: axe-core with the WCAG 2.0/2.1 A and AA rules and
// its best practices (zero violations), no horizontal scrolling at 320 px (WCAG 1.4.10 Reflow), and
// screenshots at 1280 px and 375 px under output/screenshots/ for reviewers.
//
// Pages rendered by the function (/api/...) are audited like every other page: a failure
// there is a bug of the function and fails here, named as a function page.
import { expectText, expectVisible, journey, openPage } from "../lib/browser.mjs";
import { auditPageTypes } from "../lib/audit.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { fillRegistration, newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("audit");
const contexts = {};

/** A page in a context of the given kind: "js", "nojs" or "signedin" (JS on). */
async function pageOf(kind) {
  if (!contexts[kind]) {
    const page = await openPage(env.browser, { javaScript: kind !== "nojs" });
    if (kind === "signedin") {
      await signUpAndSignIn(page, env.portal, journey(page, "Anmeldung für die Konto-Seite"), newCustomer());
    }
    contexts[kind] = page;
  }
  return contexts[kind];
}

const go = (page, p) => page.goto(`${env.portal.url}${p}`);
const submit = (page, name) => page.getByRole("button", { name }).click();

async function clientErrors(page, button) {
  await submit(page, button);
  await expectVisible(page.locator(".error-summary"), "Fehlerübersicht");
}

// Each page type: how to get there and what must be on the page before it is audited.
const PAGE_TYPES = [
  { name: "Startseite", slug: "start", open: (p) => go(p, "/") },
  {
    name: "Startseite mit Suchvorschlägen",
    slug: "start-suchvorschlaege",
    open: async (p) => {
      await go(p, "/");
      await p.getByRole("searchbox", { name: "Cloud-Services durchsuchen" }).pressSequentially("messenger", { delay: 20 });
      await expectVisible(p.locator("#suche-treffer a"), "Suchvorschläge");
    },
  },
  { name: "Übersicht Cloud-Services", slug: "uebersicht", open: (p) => go(p, "/cloud-services/") },
  {
    name: "Übersicht, gefiltert und sortiert",
    slug: "uebersicht-gefiltert",
    open: async (p) => {
      await go(p, "/cloud-services/?kategorie=zentrale-dienste&typ=saas&sortierung=preis");
      await expectText(p.locator("#result-count"), /^5 Cloud-Services/);
    },
  },
  { name: "Übersicht ohne JavaScript", slug: "uebersicht-ohne-js", kind: "nojs", open: (p) => go(p, "/cloud-services/") },
  { name: "Übersicht, Seite 2", slug: "uebersicht-seite-2", open: (p) => go(p, "/cloud-services/seite/2/") },
  { name: "Kategorie", slug: "kategorie", open: (p) => go(p, "/cloud-services/kategorie/zentrale-dienste/") },
  { name: "Unterkategorie", slug: "unterkategorie", open: (p) => go(p, "/cloud-services/kategorie/zentrale-dienste/dokumentenmanagement/") },
  { name: "Serviceart", slug: "serviceart", open: (p) => go(p, "/cloud-services/typ/saas/") },
  { name: "Vertragsmodell", slug: "vertragsmodell", open: (p) => go(p, "/cloud-services/vertragsmodell/umklappvertrag/") },
  { name: "Anbieterliste", slug: "anbieterliste", open: (p) => go(p, "/anbieter/") },
  { name: "Anbieter", slug: "anbieter", open: (p) => go(p, "/anbieter/dataport/") },
  { name: "Produktseite", slug: "produktseite", open: (p) => go(p, "/cloud-services/dmessenger/") },
  {
    name: "Vergleich mit zwei Angeboten",
    slug: "vergleich",
    open: async (p) => {
      await go(p, "/vergleich/?ids=dmessenger,ddatabox");
      await expectVisible(p.locator(".compare-table"), "Vergleichstabelle");
    },
  },
  {
    name: "Merkliste mit Einträgen",
    slug: "merkliste",
    open: async (p) => {
      await go(p, "/merkliste/");
      await p.evaluate(() => localStorage.setItem("csp-merkliste", JSON.stringify(["dmessenger", "ddatabox"])));
      await p.reload();
      await expectText(p.locator("[data-watch-view]"), "2 Services auf Ihrer Merkliste");
    },
  },
  { name: "Hilfe", slug: "hilfe", open: (p) => go(p, "/hilfe/") },
  { name: "FAQ für Kunden", slug: "faq", open: (p) => go(p, "/hilfe/kunden/") },
  { name: "Reifegradmodell", slug: "reifegradmodell", open: (p) => go(p, "/reifegradmodell/") },
  { name: "Informationsseite", slug: "informationsseite", open: (p) => go(p, "/barrierefreiheit/") },
  { name: "Offene Daten", slug: "offene-daten", open: (p) => go(p, "/offene-daten/") },
  { name: "Seite nicht gefunden (404)", slug: "404", open: (p) => go(p, "/gibt-es-nicht/") },
  {
    name: "Suchergebnisse (Funktion)",
    slug: "suche",
    fn: true,
    open: async (p) => {
      await go(p, "/api/suche?q=messenger");
      await expectText(p.locator("main"), "dMessenger");
    },
  },
  {
    name: "Suche ohne Treffer (Funktion)",
    slug: "suche-ohne-treffer",
    fn: true,
    open: async (p) => {
      await go(p, "/api/suche?q=xylophonreparatur");
      await expectText(p.locator("main"), "Bedarf melden");
    },
  },
  { name: "Registrierung", slug: "registrierung", open: (p) => go(p, "/registrieren/") },
  {
    name: "Registrierung mit Fehlern",
    slug: "registrierung-fehler",
    open: async (p) => {
      await go(p, "/registrieren/");
      await clientErrors(p, "Registrierung absenden");
    },
  },
  {
    name: "Registrierung ohne JavaScript: Rechenfrage (Funktion)",
    slug: "registrierung-rechenfrage-funktion",
    kind: "nojs",
    fn: true,
    open: async (p) => {
      await go(p, "/registrieren/");
      await fillRegistration(p, newCustomer());
      await submit(p, "Registrierung absenden");
      await p.waitForURL(/\/api\/registrierung/);
      await expectVisible(p.getByLabel(/Sicherheitsfrage/), "Rechenfrage");
    },
  },
  {
    name: "Registrierung mit Fehlern an allen Feldern (Funktion)",
    slug: "registrierung-fehler-funktion",
    kind: "nojs",
    fn: true,
    open: async (p) => {
      await go(p, "/registrieren/");
      // A browser that does not check the form itself sends it empty: the function checks again.
      await p.evaluate(() => { document.querySelector("form[action='/api/registrierung']").noValidate = true; });
      await submit(p, "Registrierung absenden");
      await p.waitForURL(/\/api\/registrierung/);
      await expectVisible(p.locator(".error-summary"), "Fehlerübersicht der Funktion");
    },
  },
  { name: "Anmeldung", slug: "anmeldung", open: (p) => go(p, "/anmelden/") },
  {
    name: "Anmeldung mit Fehlern",
    slug: "anmeldung-fehler",
    open: async (p) => {
      await go(p, "/anmelden/");
      await clientErrors(p, "Anmelden");
    },
  },
  {
    name: "Anmeldung mit falschem Passwort (Funktion)",
    slug: "anmeldung-fehler-funktion",
    fn: true,
    open: async (p) => {
      await go(p, "/anmelden/");
      await p.getByLabel(/^E-Mail-Adresse/).fill("niemand@behoerde.example");
      await p.getByLabel(/^Passwort/).fill("falsches Passwort, lang genug");
      await submit(p, "Anmelden");
      await p.waitForURL(/\/api\/anmeldung/);
      await expectText(p.locator("main"), "nicht richtig");
    },
  },
  { name: "Bedarf melden", slug: "bedarf", open: (p) => go(p, "/bedarf-melden/") },
  {
    name: "Bedarf melden mit Fehlern",
    slug: "bedarf-fehler",
    open: async (p) => {
      await go(p, "/bedarf-melden/");
      await clientErrors(p, "Bedarf senden");
    },
  },
  { name: "Bestellformular", slug: "bestellung", open: (p) => go(p, "/bestellen/managed-kubernetes/") },
  {
    name: "Bestellformular mit Fehlern",
    slug: "bestellung-fehler",
    open: async (p) => {
      await go(p, "/bestellen/managed-kubernetes/");
      await clientErrors(p, "Zahlungspflichtig bestellen");
    },
  },
  {
    name: "Ihr Konto, angemeldet (Funktion)",
    slug: "konto",
    kind: "signedin",
    fn: true,
    open: async (p) => {
      await go(p, "/api/konto");
      await expectText(p.locator("h1"), "Ihr Konto");
    },
  },
];

auditPageTypes(PAGE_TYPES, { pageOf, baseUrl: () => env.portal.url, file: "1-katalog-und-formulare" });
