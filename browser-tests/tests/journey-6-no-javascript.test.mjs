// Journey 6: a locked-down machine without JavaScript. Catalog browsing, filters through
// the pre-rendered pages, search, registration (with the arithmetic question), an order and
// a Bedarf work.
import { test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import { expectText, expectVisible, journey, openPage, until } from "../lib/browser.mjs";
import { mails, waitForMailLink } from "../lib/mail.mjs";
import {
  DATAPORT_EMAIL,
  OPERATOR_EMAIL,
  decisionLink,
  dmessengerOrder,
  expectNeedConfirmed,
  fillNeed,
  fillOrderForm,
  isoDate,
  listedNeeds,
  orderRows,
  shownStatus,
  submitOrder,
} from "../lib/orders.mjs";
import { OUTPUT, ROOT } from "../lib/portal.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { asMailed, fillRegistration, newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("ohne-js");

const NUMBERS = { null: 0, eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9 };

/** The answer to "Wie viel ist vier plus fünf? …". */
function answer(question) {
  const m = question.match(/Wie viel ist (\S+) plus (\S+?)\?/);
  if (!m || !(m[1] in NUMBERS) || !(m[2] in NUMBERS)) throw new Error(`Rechenfrage nicht verstanden: „${question}“`);
  return String(NUMBERS[m[1]] + NUMBERS[m[2]]);
}

/** The count in "SaaS (23)" next to a facet link. */
async function facetCount(link) {
  const text = await link.locator("xpath=..").textContent();
  const m = text.match(/\((\d+)\)/);
  if (!m) throw new Error(`keine Anzahl bei „${text}“`);
  return Number(m[1]);
}

test("Journey 6a: Katalog ohne JavaScript – blättern und über vorgerenderte Seiten filtern", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Katalog ohne JavaScript");
  const count = page.locator("#result-count");
  const facets = page.locator("#facet-links");

  let total;
  await step("Startseite: „Alle Cloud-Services ansehen“", async () => {
    await page.goto(`${portal.url}/`);
    const all = page.getByRole("link", { name: /^Alle \d+ Cloud-Services ansehen$/ });
    total = Number((await all.textContent()).match(/\d+/)[0]);
    if (total <= 24) throw new Error(`Für das Blättern braucht der Beispielkatalog mehr als 24 Angebote, er hat ${total}`);
    await all.click();
    await page.waitForURL(/\/cloud-services\/$/);
    await expectText(count, new RegExp(`^${total} Cloud-Services, angezeigt 1 bis 24`));
  });
  await step("Filter als Links sichtbar, das Skript-Formular nicht", async () => {
    await expectVisible(facets.getByRole("link", { name: "SaaS" }), "Filterlink SaaS");
    if (await page.locator("#filter-form").isVisible()) throw new Error("das Filterformular (braucht JavaScript) ist sichtbar");
  });
  await step("Zur zweiten Seite blättern", async () => {
    await page.getByRole("navigation", { name: "Seiten" }).getByRole("link", { name: /Nächste/ }).click();
    await page.waitForURL(/\/cloud-services\/seite\/2\/$/);
    await expectText(page.locator("h1"), "Seite 2 von");
    await expectText(count, new RegExp(`angezeigt 25 bis ${Math.min(total, 48)}`));
    await page.getByRole("link", { name: "Zurück zu den Filtern auf der ersten Seite" }).click();
  });
  await step("Filter Serviceart SaaS: vorgerenderte Seite mit passender Anzahl", async () => {
    const link = facets.getByRole("link", { name: "SaaS", exact: true });
    const n = await facetCount(link);
    await link.click();
    await page.waitForURL(/\/cloud-services\/typ\/saas\/$/);
    await expectText(page.locator("h1"), "SaaS-Angebote");
    await expectText(count, new RegExp(`^${n} Cloud-Services`));
    const types = await page.locator("#tiles .tag").allTextContents();
    if (!types.length || types.some((t) => t.trim() !== "SaaS")) throw new Error(`Kacheln: ${types}`);
    if (await page.getByRole("link", { name: "Diese Auswahl weiter filtern und sortieren" }).isVisible()) {
      throw new Error("der Link zu den Filtern (braucht JavaScript) ist sichtbar");
    }
  });
  await step("Filter Vertragsmodell Umklappvertrag", async () => {
    await page.goto(`${portal.url}/cloud-services/`);
    const link = facets.getByRole("link", { name: "Umklappvertrag", exact: true });
    const n = await facetCount(link);
    await link.click();
    await page.waitForURL(/\/cloud-services\/vertragsmodell\/umklappvertrag\/$/);
    await expectText(count, new RegExp(`^${n} Cloud-Services`));
  });
  await step("Kategorie und Unterkategorie", async () => {
    await page.goto(`${portal.url}/cloud-services/`);
    await facets.getByRole("link", { name: "Zentrale Dienste", exact: true }).click();
    await expectText(page.locator("h1"), "Zentrale Dienste");
    await page.getByRole("navigation", { name: "Unterkategorien" }).getByRole("link", { name: /Dokumentenmanagement/ }).click();
    await expectText(page.locator("h1"), "Dokumentenmanagement");
    await expectText(count, /^2 Cloud-Services/);
  });
  await step("Produktseite und Bestellformular", async () => {
    await page.getByRole("link", { name: "dDatabox" }).click();
    await expectText(page.locator("h1"), "dDatabox");
    await expectVisible(page.getByRole("heading", { name: "Preismodelle" }), "Preismodelle");
    await page.getByRole("link", { name: "Zur Bestellung" }).first().click();
    await expectText(page.locator("h1"), "dDatabox bestellen");
    await expectVisible(page.getByRole("button", { name: "Zahlungspflichtig bestellen" }), "Bestellknopf");
  });
  await step("Merkliste erklärt, dass sie JavaScript braucht", async () => {
    await page.getByRole("banner").getByRole("link", { name: /Merkliste/ }).click();
    await expectText(page.locator("[data-watch-view]"), "braucht JavaScript");
  });
  await page.context().close();
});

test("Journey 6b: Suche ohne JavaScript", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Suche ohne JavaScript");
  await step("Suchformular der Kopfzeile absenden", async () => {
    await page.goto(`${portal.url}/cloud-services/`);
    await page.getByRole("searchbox", { name: "Cloud-Services durchsuchen" }).fill("Kubernetes");
    await page.getByRole("banner").getByRole("button", { name: "Suchen" }).click();
    await page.waitForURL(/\/api\/suche\?q=Kubernetes/);
    await expectVisible(page.getByRole("main").getByRole("link", { name: /Managed Kubernetes/ }), "Treffer Managed Kubernetes");
  });
  await step("Nach Preis sortieren (Link)", async () => {
    await page.getByRole("main").getByRole("link", { name: /^Preis/ }).click();
    await page.waitForURL(/sortierung=preis/);
    await expectVisible(page.getByRole("main").getByRole("link", { name: /Managed Kubernetes/ }), "Treffer Managed Kubernetes");
  });
  await page.context().close();
});

test("Journey 6c: Registrierung ohne JavaScript mit Rechenfrage, bis zur Anmeldung", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Registrierung ohne JavaScript");
  const c = newCustomer({ organisation: "Gemeinde Ohneskript", email: `ohne-js.${process.pid}@gemeinde.example` });

  await step("Registrierung öffnen: Hinweis auf die Rechenfrage", async () => {
    await page.goto(`${portal.url}/registrieren/`);
    await expectText(page.locator("main form"), "Ohne JavaScript stellen wir Ihnen nach dem Absenden eine kurze Rechenfrage");
  });
  await step("Ausfüllen und absenden: die Funktion stellt die Rechenfrage, Angaben bleiben", async () => {
    await fillRegistration(page, c);
    await page.getByRole("button", { name: "Registrierung absenden" }).click();
    await page.waitForURL(/\/api\/registrierung/);
    await expectVisible(page.getByLabel(/Sicherheitsfrage/), "Rechenfrage");
    const kept = await page.getByRole("textbox", { name: /Name der Organisation/ }).inputValue();
    if (kept !== c.organisation) throw new Error(`Name der Organisation nicht erhalten: „${kept}“`);
  });
  await step("Rechenfrage beantworten und erneut absenden", async () => {
    const label = await page.locator("label[for='frage-antwort']").textContent();
    await page.getByLabel(/Sicherheitsfrage/).fill(answer(label));
    await page.getByRole("button", { name: "Registrierung absenden" }).click();
    await expectText(page.locator("h1"), "Vielen Dank für Ihre Registrierung");
  });
  await step("Bestätigungslink aus dem Mail-Ordner ohne JavaScript bestätigen", async () => {
    const link = new URL(await waitForMailLink(portal.mailDir, c.email, "/api/bestaetigen"));
    await page.goto(asMailed(portal, link.href));
    await page.getByRole("button", { name: "E-Mail-Adresse bestätigen" }).click();
    await expectText(page.locator("h1"), "E-Mail-Adresse bestätigt");
  });
  await step("Freigabe, Passwort festlegen und anmelden ohne JavaScript", async () => {
    const list = await portal.admin("registrations");
    const id = list.split("\n").find((l) => l.includes(c.organisation))?.trim().split(/\s+/)[0];
    if (!id) throw new Error(`Registrierung fehlt:\n${list}`);
    await portal.admin("approve", id);
    const link = new URL(await waitForMailLink(portal.mailDir, c.email, "/api/passwort-setzen"));
    await page.goto(asMailed(portal, link.href));
    await page.getByLabel(/^Neues Passwort(?! wiederholen)/).fill(c.password);
    await page.getByLabel("Neues Passwort wiederholen").fill(c.password);
    await page.getByRole("button", { name: /Passwort/ }).click();
    await until(async () => !/passwort-setzen/.test(page.url()), "keine Seite nach dem Festlegen des Passworts");
    await page.goto(`${portal.url}/anmelden/`);
    await page.getByLabel(/^E-Mail-Adresse/).fill(c.email);
    await page.getByLabel(/^Passwort/).fill(c.password);
    await page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
    await page.waitForURL(/\/api\/konto/);
    await expectText(page.locator("h1"), "Ihr Konto");
    await expectText(page.locator("main"), c.organisation);
  });
  await page.context().close();
});

test("Journey 6d: Bestellung (Direktvertrag) und Bedarf ohne JavaScript", async () => {
  const { portal, browser } = env;
  // Registered with JavaScript (lib/signup.mjs); the session then continues in a browser
  // without it.
  const withJs = await openPage(browser);
  const customer = await signUpAndSignIn(withJs, portal, journey(withJs, "Bestellung ohne JavaScript (Anmeldung)"), newCustomer({ organisation: "Verbandsgemeinde Skriptlos" }));
  const state = await withJs.context().storageState();
  await withJs.context().close();
  const page = await openPage(browser, { javaScript: false, storageState: state });
  const step = journey(page, "Bestellung ohne JavaScript");
  const sent = [];
  page.on("request", (r) => {
    if (r.method() === "POST") sent.push({ path: new URL(r.url()).pathname, body: new URLSearchParams(r.postData() || "") });
  });
  let placed;

  await step("Produktseite → Bestellformular, ohne JavaScript", async () => {
    await page.goto(`${portal.url}/cloud-services/dmessenger/`);
    await page.getByRole("link", { name: "Zur Bestellung" }).first().click();
    await expectText(page.locator("h1"), "dMessenger bestellen");
  });
  await step("Direktvertrag mit Optionen ausfüllen und senden: ohne Sicherheitstoken zeigt die Funktion das Formular noch einmal", async () => {
    await fillOrderForm(page, dmessengerOrder(customer, { contract: "Direktvertrag", plan: "Premium", users: "80", datacenter: "Hamburg" }));
    await page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
    await page.waitForURL(/\/api\/bestellungen/);
    await expectText(page.locator(".error-summary"), /noch einmal/);
    const kept = await page.getByLabel(/^Anzahl Nutzer/).inputValue();
    if (kept !== "80") throw new Error(`Anzahl Nutzer nicht erhalten: „${kept}“`);
  });
  await step("Noch einmal absenden: Bestellseite, Status Offen", async () => {
    placed = await submitOrder(page);
    const status = await shownStatus(page);
    if (!/Status: Offen\b/.test(status)) throw new Error(`Status „${status}“`);
    await expectText(page.getByRole("main"), "Direktvertrag");
  });
  await step("Vertragsmappe ohne JavaScript: jedes Dokument und die ZIP-Datei herunterladen, die AGB im Wortlaut", async () => {
    const version = fs.readFileSync(path.join(ROOT, "content", "pages", "agb.md"), "utf8").match(/^version:\s*"?([^"\n]+)"?$/m)[1];
    const sentence = fs.readFileSync(path.join(ROOT, "content", "agb", `${version}.md`), "utf8").split("\n").find((l) => l.startsWith("Diese Bedingungen regeln"));
    const dir = path.join(OUTPUT, "downloads", "vertragsmappe-ohne-js");
    fs.mkdirSync(dir, { recursive: true });
    const save = async (link) => {
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      const file = path.join(dir, download.suggestedFilename());
      await download.saveAs(file);
      return file;
    };
    const links = page.locator(".folder-documents a");
    const count = await links.count();
    if (count !== 9) throw new Error(`${count} Dokumente verlinkt, erwartet 9`);
    for (let i = 0; i < count; i++) {
      const file = await save(links.nth(i));
      if (fs.statSync(file).size === 0) throw new Error(`${file} ist leer`);
      if (file.endsWith("agb.md") && !fs.readFileSync(file, "utf8").includes(sentence)) throw new Error("agb.md ohne den vereinbarten Wortlaut");
    }
    const zip = fs.readFileSync(await save(page.getByRole("link", { name: "Alle Dokumente als ZIP-Datei herunterladen" })));
    if (!zip.includes(Buffer.from(sentence, "utf8"))) throw new Error("die ZIP-Datei enthält die AGB nicht im Wortlaut");
  });
  await step("Erst ohne Token gesendet (statische Seite), dann mit dem Token der Funktion: genau eine Bestellung", async () => {
    const posts = sent.filter((r) => r.path === "/api/bestellungen");
    if (posts.length !== 2) throw new Error(`${posts.length} POST-Anfragen an /api/bestellungen, erwartet 2`);
    if (posts[0].body.get("csrf")) throw new Error(`Die statische Seite trug ohne JavaScript ein Token: „${posts[0].body.get("csrf")}“`);
    if (!posts[1].body.get("csrf")) throw new Error("Das Formular der Funktion trug kein Sicherheitstoken");
  });
  await step("Die Bestellung steht in der Liste, der Anbieter hat seine Mail", async () => {
    await page.getByRole("link", { name: "Alle Bestellungen" }).click();
    const rows = await orderRows(page);
    if (rows.length !== 1 || rows[0].number !== placed.number || !rows[0].status.startsWith("Offen")) {
      throw new Error(`Liste: ${JSON.stringify(rows)}, erwartet genau ${placed.number} (Offen)`);
    }
    await decisionLink(portal, DATAPORT_EMAIL, placed.number, "bestaetigen");
  });
  const title = `Fachverfahren Friedhofsverwaltung ${process.pid}`;
  await step("Bedarf melden über den Link der Übersicht, ohne JavaScript", async () => {
    await page.goto(`${portal.url}/cloud-services/`);
    await page.getByRole("main").getByRole("link", { name: "Bedarf melden", exact: true }).click();
    await expectText(page.locator("h1"), "Bedarf melden");
    await fillNeed(page, { title, description: "Verwaltung von Grabstellen und Gebühren.", users: "6", date: isoDate(90), phone: true });
    await page.getByRole("button", { name: "Bedarf senden" }).click();
    // Without JavaScript the static form carries no token: the function's form comes back,
    // filled in, to be sent once more.
    await expectText(page.locator(".error-summary"), /noch einmal/);
    const kept = await page.getByLabel(/^Was brauchen Sie/).inputValue();
    if (kept !== title) throw new Error(`Titel nicht erhalten: „${kept}“`);
    await page.getByRole("button", { name: "Bedarf senden" }).click();
    await expectNeedConfirmed(page);
  });
  await step("Der Betreiber hat die Mail und sieht den Bedarf mit dem Admin-Befehl", async () => {
    await until(() => mails(portal.mailDir).some((m) => m.to.includes(OPERATOR_EMAIL) && m.subject.includes(title)), `keine Mail an ${OPERATOR_EMAIL} zu „${title}“`);
    const { out, lines } = await listedNeeds(portal, title);
    if (!lines.length) throw new Error(`„${title}“ fehlt in „csp-function admin needs“:\n${out}`);
  });
  await page.context().close();
});
