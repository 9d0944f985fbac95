// Journey 7: the people of an organisation (Ihr Konto › Mitarbeitende). (7a) With
// JavaScript: the Hauptadmin invites two people, one as Organisationsadmin; both accept the
// invitation from the mail folder, sign in and order in the organisation's name; the
// Organisationsadmin deactivates the other (her open session ends at once), reactivates
// her, and the Hauptadmin deletes her (her order stays with the organisation under her
// name); the audit trail shows each step. (7b) The same forms without JavaScript. (7c)
// Inviting by keyboard only. (7d) Profil und Angaben: the Hauptadmin of an organisation
// registered as not in-house capable sets the Inhousefähigkeit and a Leitweg-ID (a wrong
// one is refused by the function), orders an Umklappvertrag, changes her password (her
// other session ends); (7e) a member edits her profile without JavaScript. axe: 0
// violations on the members page, empty and with errors, on the confirmation before
// deleting, and on the profile page, empty and with errors.
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { accept, act, auditRows, invite, newMember, notice, openMembers, row, signInAs } from "../lib/members.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { dmessengerOrder, fillOrderForm, shownStatus, submitOrder } from "../lib/orders.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("mitarbeitende");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

/** Whether `page`'s browser is still signed in (the account page, not the sign-in form). */
async function signedIn(page, portal) {
  await page.goto(`${portal.url}/api/konto`);
  return /\/api\/konto$/.test(page.url());
}

test("Journey 7a: Hauptadmin lädt ein, Organisationsadmin deaktiviert, aktiviert, Hauptadmin löscht", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Mitarbeitende");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Stadt Teamhausen" }));
  const anna = newMember("Anna Admin", "Organisationsadmin");
  const bea = newMember("Bea Beispiel");

  await step("Ihr Konto: Rolle Hauptadministration, Link „Mitarbeitende“; leere Liste axe-sauber", async () => {
    await page.goto(`${portal.url}/api/konto`);
    await expectText(page.getByRole("main"), "Hauptadministration");
    await openMembers(page, portal);
    await expectText(row(page, customer), "Hauptadministration");
    await expectText(page.getByRole("main"), "Noch keine Änderungen");
    await expectAxeClean(page, "Mitarbeitende (leer)");
  });
  await step("Konto hinzufügen ohne Angaben: Fehlerübersicht, axe-sauber", async () => {
    await page.getByRole("button", { name: "Einladung senden" }).click();
    await until(async () => (await page.locator(".error-summary li").count()) === 3, "keine drei Meldungen in der Fehlerübersicht");
    await expectAxeClean(page, "Mitarbeitende (mit Fehlern)");
  });
  await step("Anna als Organisationsadmin und Bea als Mitarbeiterin einladen", async () => {
    await invite(page, anna);
    await invite(page, bea);
    await expectText(row(page, anna), "Eingeladen");
    await expectText(row(page, anna), "Organisationsadmin");
    await expectAxeClean(page, "Mitarbeitende (mit Personen und Protokoll)");
  });

  const annaPage = await openPage(browser);
  const annaStep = journey(annaPage, "Anna");
  await annaStep("Anna nimmt die Einladung an und meldet sich an", async () => {
    await accept(annaPage, portal, anna, customer.organisation);
    await expectText(annaPage.getByRole("main"), "Organisationsadmin");
  });
  const beaPage = await openPage(browser);
  const beaStep = journey(beaPage, "Bea");
  await beaStep("Bea nimmt die Einladung an, meldet sich an, sieht keine Verwaltung", async () => {
    await accept(beaPage, portal, bea, customer.organisation);
    if (await beaPage.getByRole("main").getByRole("link", { name: "Mitarbeitende" }).count()) throw new Error("Bea sieht den Link „Mitarbeitende“");
    const response = await beaPage.goto(`${portal.url}/api/konto/mitarbeitende`);
    if (response.status() !== 403) throw new Error(`HTTP ${response.status()} statt 403 für eine Mitarbeiterin`);
  });
  let beaOrder;
  await annaStep("Anna bestellt im Namen der Organisation", async () => {
    await annaPage.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(annaPage, dmessengerOrder(customer, { contract: "Direktvertrag", reference: "Anna 1" }));
    await submitOrder(annaPage);
    await expectText(annaPage.getByRole("main"), anna.name);
  });
  await beaStep("Bea bestellt im Namen der Organisation", async () => {
    await beaPage.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(beaPage, dmessengerOrder(customer, { contract: "Direktvertrag", reference: "Bea 1" }));
    beaOrder = await submitOrder(beaPage);
    await expectText(beaPage.getByRole("main"), bea.name);
  });
  await annaStep("Anna deaktiviert Bea: Beas offene Sitzung endet sofort", async () => {
    await openMembers(annaPage, portal);
    await expectText(row(annaPage, bea), "Aktiv");
    await act(annaPage, bea, "Deaktivieren", "Das Konto wurde deaktiviert");
    await expectText(row(annaPage, bea), "Deaktiviert");
    if (await signedIn(beaPage, portal)) throw new Error("Bea ist nach der Deaktivierung noch angemeldet");
  });
  await annaStep("Anna aktiviert Bea wieder; Bea meldet sich an", async () => {
    await act(annaPage, bea, "Aktivieren", "Das Konto ist wieder aktiv");
    await signInAs(beaPage, portal, bea, customer.organisation);
  });
  await step("Die Hauptadmin löscht Bea nach der Rückfrage (axe-sauber); Beas Sitzung endet", async () => {
    await openMembers(page, portal);
    await act(page, bea, "Löschen");
    await expectText(page.locator("h1"), "Konto löschen");
    await expectText(page.getByRole("main"), bea.email);
    await expectAxeClean(page, "Rückfrage vor dem Löschen");
    await page.getByRole("button", { name: "Endgültig löschen" }).click();
    await expectText(notice(page), "Das Konto wurde gelöscht");
    if (await row(page, bea).count()) throw new Error("Bea steht noch in der Liste");
    if (await signedIn(beaPage, portal)) throw new Error("Bea ist nach dem Löschen noch angemeldet");
  });
  await step("Beas Bestellung bleibt bei der Organisation, unter ihrem Namen von damals", async () => {
    await page.goto(beaOrder.url);
    await expectText(page.locator("h1"), `Bestellung ${beaOrder.number}`);
    await expectText(page.getByRole("main"), bea.name);
    await openMembers(page, portal);
  });
  await step("Das Änderungsprotokoll zeigt jeden Schritt, neueste zuerst", async () => {
    const rows = await auditRows(page);
    const expected = [
      `${customer.name} · Gelöscht · ${bea.name} <${bea.email}>`,
      `${anna.name} · Wieder aktiviert · ${bea.name} <${bea.email}>`,
      `${anna.name} · Deaktiviert · ${bea.name} <${bea.email}>`,
      `${customer.name} · Eingeladen · ${bea.name} <${bea.email}>`,
      `${customer.name} · Eingeladen · ${anna.name} <${anna.email}>`,
    ];
    if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`Protokoll:\n  ${rows.join("\n  ")}\nerwartet:\n  ${expected.join("\n  ")}`);
  });
  for (const p of [page, annaPage, beaPage]) await p.context().close();
});

test("Journey 7b: Mitarbeitende ohne JavaScript einladen, Rolle ändern, deaktivieren", async () => {
  const { portal, browser } = env;
  const withJs = await openPage(browser);
  const customer = await signUpAndSignIn(withJs, portal, journey(withJs, "Anmeldung (ohne JS)"), newCustomer({ organisation: "Gemeinde Ohneskript" }));
  await withJs.context().close();
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Mitarbeitende ohne JavaScript");
  const carl = newMember("Carl Conrad");

  await step("Anmelden und „Mitarbeitende“ öffnen", async () => {
    await signInAs(page, portal, customer, customer.organisation);
    await openMembers(page, portal);
    await expectAxeClean(page, "Mitarbeitende ohne JavaScript");
  });
  await step("Falsche Adresse: die Funktion zeigt das Formular mit Meldung (axe-sauber)", async () => {
    await page.getByLabel(/^Name/).fill(carl.name);
    await page.getByLabel(/^E-Mail-Adresse/).fill("carl@ohne-endung");
    await page.locator("#einladung-rolle").selectOption({ label: carl.role });
    await page.getByRole("button", { name: "Einladung senden" }).click();
    await expectText(page.locator(".error-summary"), "E-Mail-Adresse");
    await expectAxeClean(page, "Mitarbeitende mit Fehlern ohne JavaScript");
  });
  await step("Carl einladen, zum Organisationsadmin machen, deaktivieren", async () => {
    await page.getByLabel(/^E-Mail-Adresse/).fill(carl.email);
    await page.getByRole("button", { name: "Einladung senden" }).click();
    await expectText(notice(page), "Die Einladung ist unterwegs");
    await row(page, carl).getByRole("combobox").selectOption({ label: "Organisationsadmin" });
    await act(page, carl, "Rolle ändern", "Die Rolle wurde geändert");
    await expectText(row(page, carl), "Organisationsadmin");
    await act(page, carl, "Deaktivieren", "Das Konto wurde deaktiviert");
    await expectText(row(page, carl), "Deaktiviert");
    const rows = await auditRows(page);
    if (rows.length !== 3) throw new Error(`Protokoll: ${rows.join("; ")}`);
  });
  await page.context().close();
});

test("Journey 7c: Konto hinzufügen nur mit der Tastatur", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Mitarbeitende per Tastatur");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Amt Tastatur" }));
  const dora = newMember("Dora Drucker");
  const kb = keyboardUser(page);

  await step("„Mitarbeitende“ öffnen, zum Namensfeld tabben", async () => {
    await openMembers(page, portal);
    await kb.tabUntil((f) => f.id === "einladung-name", "das Feld „Name“");
  });
  await step("Name, Adresse und Rolle tippen, mit Enter senden", async () => {
    await kb.type(dora.name);
    await kb.tabUntil((f) => f.id === "einladung-email", "das Feld „E-Mail-Adresse“", { max: 2 });
    await kb.type(dora.email);
    await kb.tabUntil((f) => f.id === "einladung-rolle", "die Auswahl „Rolle“", { max: 2 });
    await kb.press("ArrowDown");
    await kb.tabUntil((f) => f.tag === "button" && /Einladung senden/.test(f.text), "„Einladung senden“", { max: 2 });
    await kb.press("Enter", { navigates: true });
    await expectText(notice(page), "Die Einladung ist unterwegs");
    await expectText(row(page, dora), "Mitarbeiter/in");
    kb.expectAllVisible();
  });
  await page.context().close();
});

/** Opens "Profil und Angaben" through "Ihr Konto". */
async function openProfile(page, portal) {
  await page.goto(`${portal.url}/api/konto`);
  await page.getByRole("main").getByRole("link", { name: "Profil und Angaben bearbeiten" }).click();
  await page.waitForURL(/\/api\/konto\/profil/);
  await expectText(page.locator("h1"), "Profil und Angaben");
}

test("Journey 7d: Inhousefähigkeit und Leitweg-ID nachtragen, Umklappvertrag bestellen, Passwort ändern", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Profil und Angaben");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Gemeinde Nachtrag", inHouse: false }));
  const other = await openPage(browser);
  await signInAs(other, portal, customer, customer.organisation);

  await step("Profil und Angaben öffnen: axe-sauber", async () => {
    await openProfile(page, portal);
    await expectText(page.getByRole("main"), "Ergänzende Angaben zur Organisation");
    await expectAxeClean(page, "Profil und Angaben");
  });
  await step("Falsche Leitweg-ID: die Funktion zeigt die Meldung (axe-sauber)", async () => {
    await page.getByLabel(/inhousefähig/).check();
    await page.getByLabel(/^Leitweg-ID/).fill("04011000-1234512345-07");
    await page.getByRole("button", { name: "Angaben speichern" }).click();
    await expectText(page.locator(".error-summary:not([hidden])"), "Prüfziffern");
    await expectAxeClean(page, "Profil und Angaben mit Fehlern");
  });
  await step("Richtige Leitweg-ID und Inhousefähigkeit speichern", async () => {
    await page.getByLabel(/inhousefähig/).check();
    await page.getByLabel(/^Leitweg-ID/).fill("04011000-1234512345-06");
    await page.getByRole("button", { name: "Angaben speichern" }).click();
    await expectText(page.locator("main .notice[role=status]"), "wurden gespeichert");
    if ((await page.getByLabel(/^Leitweg-ID/).inputValue()) !== "04011000-1234512345-06") throw new Error("Leitweg-ID nicht gespeichert");
  });
  await step("dMessenger im Umklappvertrag bestellen", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(page, dmessengerOrder(customer, { contract: "Umklappvertrag" }));
    await submitOrder(page);
    const status = await shownStatus(page);
    if (!/Status: Offen\b/.test(status)) throw new Error(`Status „${status}“`);
  });
  await step("Passwort ändern: die andere Sitzung endet, diese bleibt", async () => {
    await openProfile(page, portal);
    const next = `${customer.password} und noch ein Stück`;
    await page.getByLabel(/^Aktuelles Passwort/).fill(customer.password);
    await page.getByLabel(/^Neues Passwort(?! wiederholen)/).fill(next);
    await page.getByLabel("Neues Passwort wiederholen").fill(next);
    await page.getByRole("button", { name: "Passwort ändern" }).click();
    await expectText(page.locator("main .notice[role=status]"), "Ihr Passwort wurde geändert");
    await page.goto(`${portal.url}/api/konto`);
    await expectText(page.locator("h1"), "Ihr Konto");
    await other.goto(`${portal.url}/api/konto`);
    if (/\/api\/konto$/.test(other.url())) throw new Error("Die andere Sitzung ist noch angemeldet");
  });
  await page.context().close();
  await other.context().close();
});

test("Journey 7e: eigenes Profil ohne JavaScript ändern", async () => {
  const { portal, browser } = env;
  const withJs = await openPage(browser);
  const customer = await signUpAndSignIn(withJs, portal, journey(withJs, "Anmeldung (Profil ohne JS)"), newCustomer({ organisation: "Amt Profil" }));
  await withJs.context().close();
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Profil ohne JavaScript");
  await step("Anmelden, Profil öffnen, falsche Telefonnummer: Meldung der Funktion", async () => {
    await signInAs(page, portal, customer, customer.organisation);
    await openProfile(page, portal);
    await page.getByLabel(/^Telefonnummer/).fill("12");
    await page.getByRole("button", { name: "Profil speichern" }).click();
    await expectText(page.locator(".error-summary"), "Telefonnummer");
    await expectAxeClean(page, "Profil mit Fehlern ohne JavaScript");
  });
  await step("Name und Telefonnummer speichern; „Ihr Konto“ zeigt sie", async () => {
    await page.getByLabel(/^Vor- und Nachname/).fill("Erika Geändert");
    await page.getByLabel(/^Telefonnummer/).fill("040 7654321");
    await page.getByRole("button", { name: "Profil speichern" }).click();
    await expectText(page.locator("main .notice[role=status]"), "Ihr Profil wurde gespeichert");
    await page.goto(`${portal.url}/api/konto`);
    await expectText(page.getByRole("main"), "Erika Geändert");
    await expectText(page.getByRole("main"), "040 7654321");
  });
  await page.context().close();
});
