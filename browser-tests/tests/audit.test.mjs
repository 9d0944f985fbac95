// Accessibility audit of every page type, and of every help and information page the built
// site lists in its sitemap (a new page is audited without being named here): axe-core with
// the WCAG 2.0/2.1 A and AA rules and its best practices (zero violations), no horizontal
// scrolling at 320 px (WCAG 1.4.10 Reflow), and screenshots at 1280 px and 375 px under
// output/screenshots/ for reviewers.
//
// Pages rendered by the function (/api/...) are audited like every other page: a failure
// there is a bug of the function and fails here, named as a function page.
import fs from "node:fs";
import path from "node:path";
import { expectText, expectVisible, journey, openPage } from "../lib/browser.mjs";
import { auditPageTypes, sitemapPaths } from "../lib/audit.mjs";
import { ROOT } from "../lib/portal.mjs";
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

/** Opens `p` and fails unless the server answers `status`. */
async function goExpecting(page, p, status) {
  const res = await go(page, p);
  if (!res || res.status() !== status) {
    throw new Error(`${p} antwortete ${res ? res.status() : "nicht"} statt ${status}`);
  }
}

/** The ids of the files with `ext` in content/<dir> (a page's id is its file name). */
function contentIds(dir, ext) {
  return fs
    .readdirSync(path.join(ROOT, "content", dir))
    .filter((f) => f.endsWith(ext))
    .map((f) => f.slice(0, -ext.length));
}

// The catalog pages among them are audited in PAGE_TYPES, with content.
const AUDITED_AS_PAGE_TYPE = new Set(["/cloud-services/", "/vergleich/", "/merkliste/"]);

/**
 * Every help and information page, not a sample: from the built site's sitemap, each page
 * one level deep (/hilfe/, /anbieter/, /reifegradmodell/, /offene-daten/, each
 * content/pages/<id>.md as /<id>/) and each FAQ page (/hilfe/<audience>/), and the 404
 * page. Fails when a page of content/pages or content/faq is missing from that list.
 */
async function helpAndInformationPages(page) {
  const listed = (await sitemapPaths(page, env.portal.url)).filter(
    (p) => (/^\/[^/]+\/$/.test(p) || /^\/hilfe\/[^/]+\/$/.test(p)) && !AUDITED_AS_PAGE_TYPE.has(p),
  );
  const expected = [
    "/hilfe/",
    "/anbieter/",
    "/reifegradmodell/",
    "/offene-daten/",
    ...contentIds("pages", ".md").map((id) => `/${id}/`),
    ...contentIds("faq", ".yaml").map((id) => `/hilfe/${id}/`),
  ];
  const missing = expected.filter((p) => !listed.includes(p));
  if (missing.length) {
    throw new Error(`Die Sitemap nennt diese Hilfe- und Informationsseiten nicht: ${missing.join(", ")}`);
  }
  return [
    ...listed.map((p) => ({
      name: `${p.startsWith("/hilfe/") ? "Hilfeseite" : "Informationsseite"} ${p}`,
      slug: `seite${p.replace(/\/$/, "").replace(/\//g, "-")}`,
      open: (pg) => goExpecting(pg, p, 200),
    })),
    { name: "Seite nicht gefunden (404)", slug: "404", open: (pg) => goExpecting(pg, "/gibt-es-nicht/", 404) },
  ];
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

auditPageTypes(PAGE_TYPES, {
  pageOf,
  baseUrl: () => env.portal.url,
  file: "1-katalog-und-formulare",
  pageLists: [{ name: "Alle Hilfe- und Informationsseiten (aus der Sitemap)", types: helpAndInformationPages }],
});
