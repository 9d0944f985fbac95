// Journey 8: named roles (Ihr Konto › Rollen). (8a) With JavaScript: the Hauptadmin creates
// a role with two rights (Mitarbeitende verwalten, Alle Bestellungen sehen; a role without
// a right is refused by the function), invites a person with it from "Konto hinzufügen";
// she accepts, signs in, sees her rights, manages members (invites a Mitarbeiterin, is not
// offered the Organisationsadmin) and is refused the roles page (403) and the organisation's
// details; the role cannot be deleted while she holds it. (8b) The roles page by keyboard
// only: create a role with Space on its rights, open it, change a right, save. (8c) The
// same without JavaScript: create, edit, delete. axe: 0 violations on the roles page empty,
// with errors and with roles, and on a role's page, with and without its refusal.
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { accept, invite, newMember, notice, openMembers, row, signInAs } from "../lib/members.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("rollen");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

/** Opens the roles page through "Ihr Konto". */
async function openRoles(page, portal) {
  await page.goto(`${portal.url}/api/konto`);
  await page.getByRole("main").getByRole("link", { name: "Rollen" }).click();
  await page.waitForURL(/\/api\/konto\/rollen/);
  await expectText(page.locator("h1"), "Rollen");
}

/** The row of a role in the roles table. */
function roleRow(page, name) {
  return page.locator("table.roles tbody tr").filter({ has: page.locator("th", { hasText: name }) });
}

test("Journey 8a: Rolle mit zwei Rechten anlegen, damit einladen; die Person darf genau das", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Rollen");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Stadt Rollenhausen" }));
  const paula = newMember("Paula Plan", "Rolle „Beschaffung“");
  const quirin = newMember("Quirin Quast");

  await step("Ihr Konto › Rollen: leer, mit dem Hinweis zum Bestellen; axe-sauber", async () => {
    await openRoles(page, portal);
    await expectText(page.getByRole("main"), "noch keine eigenen Rollen");
    await expectText(page.locator("main .notice[role=note]"), "Bedarf melden");
    await expectAxeClean(page, "Rollen (leer)");
  });
  await step("Ohne Recht: die Funktion weist ab, Fehlerübersicht axe-sauber", async () => {
    await page.getByLabel(/^Name der Rolle/).fill("Beschaffung");
    await page.getByRole("button", { name: "Rolle anlegen" }).click();
    await expectText(page.locator(".error-summary:not([hidden])"), "mindestens ein Recht");
    await expectAxeClean(page, "Rollen (mit Fehlern)");
  });
  await step("Rolle „Beschaffung“ mit zwei Rechten anlegen", async () => {
    await page.getByLabel(/^Name der Rolle/).fill("Beschaffung");
    await page.getByLabel(/^Mitarbeitende verwalten/).check();
    await page.getByLabel(/^Alle Bestellungen der Organisation sehen/).check();
    await page.getByRole("button", { name: "Rolle anlegen" }).click();
    await expectText(notice(page), "Die Rolle wurde angelegt");
    await expectText(roleRow(page, "Beschaffung"), "Mitarbeitende verwalten");
    await expectText(roleRow(page, "Beschaffung"), "niemanden");
    await expectAxeClean(page, "Rollen (mit einer Rolle)");
  });
  await step("Konto hinzufügen bietet die Rolle an: Paula damit einladen", async () => {
    await openMembers(page, portal);
    await invite(page, paula);
    await expectText(row(page, paula), "Beschaffung");
  });

  const paulaPage = await openPage(browser);
  const paulaStep = journey(paulaPage, "Paula");
  await paulaStep("Paula nimmt an, meldet sich an und sieht ihre Rechte", async () => {
    await accept(paulaPage, portal, paula, customer.organisation);
    await expectText(paulaPage.getByRole("main"), "Beschaffung");
    await expectText(paulaPage.getByRole("main"), "Alle Bestellungen der Organisation sehen");
    if (await paulaPage.getByRole("main").getByRole("link", { name: "Rollen" }).count()) throw new Error("Paula sieht den Link „Rollen“");
  });
  await paulaStep("Paula lädt eine Mitarbeiterin ein; Organisationsadmin wird ihr nicht angeboten", async () => {
    await openMembers(paulaPage, portal);
    const offered = await paulaPage.locator("#einladung-rolle option").allTextContents();
    if (offered.includes("Organisationsadmin")) throw new Error(`Angeboten: ${offered.join(", ")}`);
    if (!offered.includes("Rolle „Beschaffung“")) throw new Error(`Angeboten: ${offered.join(", ")}`);
    await invite(paulaPage, quirin);
    await expectText(row(paulaPage, quirin), "Eingeladen");
    await expectText(row(paulaPage, customer), "Ändert nur das Betreiberteam");
    await expectAxeClean(paulaPage, "Mitarbeitende für eine Rolleninhaberin");
  });
  await paulaStep("Was die Rolle nicht erlaubt: Rollen (403), ergänzende Angaben nicht angeboten", async () => {
    const response = await paulaPage.goto(`${portal.url}/api/konto/rollen`);
    if (response.status() !== 403) throw new Error(`HTTP ${response.status()} statt 403 für die Rollen`);
    await paulaPage.goto(`${portal.url}/api/konto/profil`);
    await expectText(paulaPage.locator("h1"), "Profil und Angaben");
    if (await paulaPage.getByText("Ergänzende Angaben zur Organisation").count()) throw new Error("Paula sieht die ergänzenden Angaben");
    const status = await paulaPage.evaluate(async () => {
      const session = await (await fetch("/api/sitzung", { headers: { Accept: "application/json" } })).json();
      const body = new URLSearchParams({ csrf: session.csrf, zentrale_telefon: "030 1234567" });
      return (await fetch("/api/konto/organisation", { method: "POST", body, headers: { Accept: "application/json" } })).status;
    });
    if (status !== 403) throw new Error(`HTTP ${status} statt 403 für die ergänzenden Angaben`);
  });
  await step("Die Rolle lässt sich nicht löschen, solange Paula sie hat (axe-sauber)", async () => {
    await openRoles(page, portal);
    await expectText(roleRow(page, "Beschaffung"), paula.name);
    await roleRow(page, "Beschaffung").getByRole("link", { name: /Bearbeiten oder löschen/ }).click();
    await expectText(page.locator("h1"), "Beschaffung");
    await expectAxeClean(page, "Rolle bearbeiten");
    await page.getByRole("button", { name: "Rolle löschen" }).click();
    await expectText(page.locator(".error-summary"), paula.name);
    await expectAxeClean(page, "Rolle bearbeiten (Löschen abgewiesen)");
    await openRoles(page, portal);
    await expectText(roleRow(page, "Beschaffung"), paula.name);
  });
  await page.context().close();
  await paulaPage.context().close();
});

test("Journey 8b: Rollen nur mit der Tastatur anlegen und bearbeiten", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Rollen per Tastatur");
  await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Amt Tastenrolle" }));
  const kb = keyboardUser(page);

  await step("Rollen öffnen, zum Namensfeld tabben, Namen tippen", async () => {
    await page.goto(`${portal.url}/api/konto/rollen`);
    await kb.tabUntil((f) => f.id === "rolle-name", "das Feld „Name der Rolle“");
    await kb.type("Empfang");
  });
  await step("Zwei Rechte mit der Leertaste wählen, mit Enter anlegen", async () => {
    await kb.tabUntil((f) => f.id === "recht-adressen", "„Adressen verwalten“", { max: 3 });
    await kb.press("Space");
    await kb.tabUntil((f) => f.id === "recht-organisationsprofil", "„Organisationsprofil bearbeiten“", { max: 2 });
    await kb.press("Space");
    await kb.tabUntil((f) => f.tag === "button" && /Rolle anlegen/.test(f.text), "„Rolle anlegen“", { max: 3 });
    await kb.press("Enter", { navigates: true });
    await expectText(notice(page), "Die Rolle wurde angelegt");
    await expectText(roleRow(page, "Empfang"), "Adressen verwalten");
    await expectText(roleRow(page, "Empfang"), "Organisationsprofil bearbeiten");
  });
  await step("Zur Rolle tabben, öffnen, ein Recht abwählen, mit Enter speichern", async () => {
    await kb.tabUntil((f) => f.tag === "a" && /Bearbeiten oder löschen/.test(f.text), "„Bearbeiten oder löschen“");
    await kb.press("Enter", { navigates: true });
    await page.waitForURL(/\/api\/konto\/rollen\/[0-9a-f]+$/);
    await expectText(page.locator("h1"), "Empfang");
    await kb.tabUntil((f) => f.id === "recht-adressen", "„Adressen verwalten“");
    await kb.press("Space");
    await kb.tabUntil((f) => f.tag === "button" && /Rolle speichern/.test(f.text), "„Rolle speichern“", { max: 4 });
    await kb.press("Enter", { navigates: true });
    await expectText(notice(page), "Die Rolle wurde gespeichert");
    const rights = await roleRow(page, "Empfang").locator("td").first().textContent();
    if (/Adressen/.test(rights) || !/Organisationsprofil/.test(rights)) throw new Error(`Rechte: ${rights}`);
    kb.expectAllVisible();
  });
  await page.context().close();
});

test("Journey 8c: Rollen ohne JavaScript anlegen, bearbeiten, löschen", async () => {
  const { portal, browser } = env;
  const withJs = await openPage(browser);
  const customer = await signUpAndSignIn(withJs, portal, journey(withJs, "Anmeldung (Rollen ohne JS)"), newCustomer({ organisation: "Gemeinde Rollenlos" }));
  await withJs.context().close();
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Rollen ohne JavaScript");

  await step("Anmelden, Rollen öffnen; ohne Namen und Recht: Meldungen der Funktion (axe-sauber)", async () => {
    await signInAs(page, portal, customer, customer.organisation);
    await openRoles(page, portal);
    // Blanks pass the browser's own check of the required field; the function trims them.
    await page.getByLabel(/^Name der Rolle/).fill("   ");
    await page.getByRole("button", { name: "Rolle anlegen" }).click();
    await until(async () => (await page.locator(".error-summary li").count()) === 2, "keine zwei Meldungen in der Fehlerübersicht");
    await expectAxeClean(page, "Rollen mit Fehlern ohne JavaScript");
  });
  await step("Rolle anlegen und umbenennen", async () => {
    await page.getByLabel(/^Name der Rolle/).fill("Poststelle");
    await page.getByLabel(/^Alle Bestellungen der Organisation sehen/).check();
    await page.getByRole("button", { name: "Rolle anlegen" }).click();
    await expectText(notice(page), "Die Rolle wurde angelegt");
    await roleRow(page, "Poststelle").getByRole("link", { name: /Bearbeiten oder löschen/ }).click();
    await page.getByLabel(/^Name der Rolle/).fill("Zentrale Poststelle");
    await page.getByRole("button", { name: "Rolle speichern" }).click();
    await expectText(notice(page), "Die Rolle wurde gespeichert");
    await expectText(roleRow(page, "Zentrale Poststelle"), "Alle Bestellungen");
  });
  await step("Rolle löschen", async () => {
    await roleRow(page, "Zentrale Poststelle").getByRole("link", { name: /Bearbeiten oder löschen/ }).click();
    await page.getByRole("button", { name: "Rolle löschen" }).click();
    await expectText(notice(page), "Die Rolle wurde gelöscht");
    await expectText(page.getByRole("main"), "noch keine eigenen Rollen");
  });
  await page.context().close();
});
