// Journey 11: the operator. Two organisations register and confirm their addresses (with
// JavaScript, as customers do). The operator's account is the one `csp serve` creates out of
// the box (konsole@betrieb.example); `csp-function admin create-operator` refuses a second
// operator organisation; without JavaScript the
// operator accepts the mailed invitation, sets a password, is led to the mandatory
// Zwei-Faktor-Anmeldung after the password (other pages lead back to it), sets it up,
// signs out, signs in with password and the app's code, and in "Registrierungen prüfen"
// approves one registration and rejects the other with a reason (a reason of only spaces
// is refused with an error summary). axe: 0 violations on every page of the way.
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { waitForMailLink } from "../lib/mail.mjs";
import { setPasswordFromInvitation } from "../lib/members.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { asMailed, fillRegistration, newCustomer } from "../lib/signup.mjs";
import { nextStep, totp } from "../lib/totp.mjs";

const env = portalAndBrowser("betreiber");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

/** Registers `c` and confirms the address: the registration then waits for review. */
async function registerAndConfirm(page, portal, step, c) {
  await step(`${c.organisation} registriert sich und bestätigt die Adresse`, async () => {
    await page.goto(`${portal.url}/registrieren/`);
    await fillRegistration(page, c);
    await expectText(page.locator("[data-altcha-status]"), "Sicherheitsprüfung abgeschlossen", { timeout: 30_000 });
    await page.getByRole("button", { name: "Registrierung absenden" }).click();
    await expectText(page.locator("h1"), "Vielen Dank für Ihre Registrierung");
    const link = await waitForMailLink(portal.mailDir, c.email, "/api/bestaetigen");
    await page.goto(asMailed(portal, link));
    await page.getByRole("button", { name: "E-Mail-Adresse bestätigen" }).click();
    await expectText(page.locator("h1"), "E-Mail-Adresse bestätigt");
  });
}

async function signInWithPassword(page, portal, who) {
  await page.goto(`${portal.url}/anmelden/`);
  await page.getByLabel(/^E-Mail-Adresse/).fill(who.email);
  await page.getByLabel(/^Passwort/).fill(who.password);
  await page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
}

const operator = { name: "Konsole Betrieb", email: "konsole@betrieb.example", password: "Ein langer Satz als Passwort für den Betrieb 2026" };
const approved = newCustomer({ organisation: "Gemeinde Freigabetal" });
const rejected = newCustomer({ organisation: "Verein Ablehnungsdorf" });

test("Journey 11: Betreiberkonto aus csp serve, Zwei-Faktor-Pflicht, Registrierungen freigeben und ablehnen", async () => {
  const { portal, browser } = env;
  const customers = await openPage(browser);
  const customerStep = journey(customers, "Registrierungen");
  await registerAndConfirm(customers, portal, customerStep, approved);
  await registerAndConfirm(customers, portal, customerStep, rejected);
  await customers.context().close();

  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Betreiber ohne JavaScript");
  let key;

  await step("csp serve hat das Betreiberkonto angelegt und nennt es; ein zweites per Befehl wird abgelehnt", async () => {
    await until(async () => /Betreiberkonto zum Ausprobieren angelegt: konsole@betrieb\.example/.test(portal.log()), "csp serve nennt das Betreiberkonto nicht");
    await portal.admin("create-operator", "--name", "Otto Zweit", "--email", "otto@betrieb.example").then(
      () => {
        throw new Error("ein zweites Betreiberkonto wurde angelegt");
      },
      (e) => {
        if (!/gibt es schon/.test(String(e.stderr || e))) throw e;
      },
    );
  });
  await step("Einladung aus dem Mail-Ordner annehmen und Passwort festlegen", async () => {
    await setPasswordFromInvitation(page, portal, operator);
  });
  await step("Nach dem Passwort führt jede Seite zur Einrichtung des zweiten Faktors", async () => {
    await signInWithPassword(page, portal, operator);
    await page.waitForURL(/\/api\/konto\/zwei-faktor$/);
    for (const path of ["/api/konto", "/api/betrieb/registrierungen"]) {
      await page.goto(`${portal.url}${path}`);
      await page.waitForURL(/\/api\/konto\/zwei-faktor$/);
    }
  });
  await step("Nach dem Passwort: Zwei-Faktor-Anmeldung ist Pflicht, axe-sauber", async () => {
    await page.goto(`${portal.url}/api/konto/zwei-faktor`);
    await expectText(page.getByRole("main").getByRole("status"), "vorgeschrieben");
    await page.getByRole("img", { name: "QR-Code zum Einrichten der Authenticator-App" }).waitFor();
    key = (await page.locator("[data-secret]").textContent()).trim();
    await expectAxeClean(page, "Zwei-Faktor-Anmeldung (Pflicht)");
  });
  await step("Code der App eingeben: eingeschaltet, Wiederherstellungscodes, axe-sauber", async () => {
    await page.getByLabel("Bestätigungscode aus der App").fill(totp(key));
    await page.getByRole("button", { name: "Zwei-Faktor-Anmeldung einschalten" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist eingeschaltet");
    const codes = await page.locator("[data-recovery-codes] code").count();
    if (codes !== 10) throw new Error(`${codes} Wiederherstellungscodes statt zehn`);
    await expectAxeClean(page, "Wiederherstellungscodes");
  });
  await step("Kein Ausschalten für Betreiberkonten", async () => {
    await page.goto(`${portal.url}/api/konto/zwei-faktor`);
    await expectText(page.getByRole("main"), "lässt sich nicht ausschalten");
    const buttons = await page.getByRole("button", { name: "Zwei-Faktor-Anmeldung ausschalten" }).count();
    if (buttons !== 0) throw new Error("ein Betreiberkonto bietet das Ausschalten an");
  });
  await step("Abmelden", async () => {
    await page.getByRole("banner").getByRole("link", { name: "Abmelden" }).click();
    await page.getByRole("main").getByRole("button", { name: "Abmelden" }).click();
    await until(async () => !/\/api\/abmeldung$/.test(page.url()), "keine Seite nach dem Abmelden");
  });
  await step("Anmelden mit Passwort und Code der App", async () => {
    await nextStep(); // the code that switched it on is used up in its step
    await signInWithPassword(page, portal, operator);
    await page.waitForURL(/\/api\/anmeldung\/code$/);
    await page.getByLabel("Bestätigungscode").fill(totp(key));
    await page.getByRole("button", { name: "Anmeldung abschließen" }).click();
    await page.waitForURL(/\/api\/konto$/);
  });
  await step("Registrierungen prüfen: beide warten, axe-sauber", async () => {
    await page.goto(`${portal.url}/api/betrieb/registrierungen`);
    await expectText(page.locator("h1"), "Registrierungen prüfen");
    await page.getByRole("link", { name: approved.organisation }).waitFor();
    await page.getByRole("link", { name: rejected.organisation }).waitFor();
    await expectAxeClean(page, "Registrierungen prüfen");
  });
  await step(`${approved.organisation} freigeben`, async () => {
    await page.getByRole("link", { name: approved.organisation }).click();
    await expectText(page.locator("h1"), `Registrierung prüfen: ${approved.organisation}`);
    await expectText(page.getByRole("main"), approved.email);
    await expectAxeClean(page, "Registrierung prüfen");
    await page.getByRole("button", { name: "Registrierung freigeben" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist freigegeben");
    await waitForMailLink(portal.mailDir, approved.email, "/api/passwort-setzen");
  });
  await step(`${rejected.organisation} ohne Begründung: Fehlerübersicht, axe-sauber; mit Begründung abgelehnt`, async () => {
    await page.getByRole("link", { name: rejected.organisation }).click();
    // Only spaces pass the browser's own check of the required field; the portal refuses them.
    await page.getByLabel("Begründung der Ablehnung").fill("   ");
    await page.getByRole("button", { name: "Registrierung ablehnen" }).click();
    await expectText(page.locator(".error-summary"), "Begründung");
    await expectAxeClean(page, "Registrierung prüfen (mit Fehler)");
    await page.getByLabel("Begründung der Ablehnung").fill("Ein Verein ist keine öffentliche Stelle.");
    await page.getByRole("button", { name: "Registrierung ablehnen" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist abgelehnt");
    await expectText(page.getByRole("main"), "Keine Registrierung wartet");
    await expectAxeClean(page, "Registrierungen prüfen (leer)");
  });
  await page.context().close();
});
