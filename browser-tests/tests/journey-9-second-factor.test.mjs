// Journey 9: the Zwei-Faktor-Anmeldung. (9a) With JavaScript: a customer opens "Profil und
// Angaben", sets up the authenticator app from the page's key (a wrong first code is
// refused), gets ten recovery codes, signs out, and signs in with password and the app's
// code (a wrong code is refused first). (9b) Without JavaScript: signing in with a recovery
// code, the page says how many are left, and switching the second factor off (a wrong
// password is refused) with the password and another recovery code; then the password alone signs in again. axe: 0
// violations on every page of the way, empty and with errors.
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";
import { nextStep, totp } from "../lib/totp.mjs";

const env = portalAndBrowser("zwei-faktor");

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

async function signInWithPassword(page, portal, c) {
  await page.goto(`${portal.url}/anmelden/`);
  await page.getByLabel(/^E-Mail-Adresse/).fill(c.email);
  await page.getByLabel(/^Passwort/).fill(c.password);
  await page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
}

test("Journey 9: Zwei-Faktor-Anmeldung einrichten, mit Code und Wiederherstellungscode anmelden, ausschalten", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Zwei-Faktor-Anmeldung");
  const c = await signUpAndSignIn(page, portal, step, newCustomer({ organisation: "Stadt Doppelschloss" }));
  let key;
  let recovery;

  await step("Profil und Angaben: „Zwei-Faktor-Anmeldung einrichten“", async () => {
    await page.goto(`${portal.url}/api/konto/profil`);
    await expectText(page.getByRole("main"), "Ausgeschaltet");
    await page.getByRole("link", { name: "Zwei-Faktor-Anmeldung einrichten" }).click();
    await expectText(page.locator("h1"), "Zwei-Faktor-Anmeldung");
    await page.getByRole("img", { name: "QR-Code zum Einrichten der Authenticator-App" }).waitFor();
    key = (await page.locator("[data-secret]").textContent()).trim();
    if (!/^[A-Z2-7 ]{32,}$/.test(key)) throw new Error(`kein Schlüssel zum Eintippen: ${key}`);
    await expectAxeClean(page, "Zwei-Faktor-Anmeldung (Einrichtung)");
  });
  await step("Falscher erster Code: Fehlermeldung am Feld, nichts eingeschaltet, axe-sauber", async () => {
    await page.getByLabel("Bestätigungscode aus der App").fill("000000");
    await page.getByRole("button", { name: "Zwei-Faktor-Anmeldung einschalten" }).click();
    await expectText(page.locator(".error-summary"), "Der Code stimmt nicht");
    await expectText(page.locator("[data-secret]"), key);
    await expectAxeClean(page, "Zwei-Faktor-Anmeldung (mit Fehler)");
  });
  await step("Code der App eingeben: eingeschaltet, zehn Wiederherstellungscodes", async () => {
    await page.getByLabel("Bestätigungscode aus der App").fill(totp(key));
    await page.getByRole("button", { name: "Zwei-Faktor-Anmeldung einschalten" }).click();
    await expectText(page.getByRole("main").getByRole("status"), "ist eingeschaltet");
    recovery = (await page.locator("[data-recovery-codes] code").allTextContents()).map((t) => t.trim());
    if (recovery.length !== 10) throw new Error(`${recovery.length} Wiederherstellungscodes statt zehn`);
    await expectAxeClean(page, "Wiederherstellungscodes");
  });
  await step("Abmelden", async () => {
    await page.getByRole("banner").getByRole("link", { name: "Abmelden" }).click();
    await page.getByRole("main").getByRole("button", { name: "Abmelden" }).click();
    await until(async () => !/\/api\/abmeldung$/.test(page.url()), "keine Seite nach dem Abmelden");
  });
  await step("Anmelden mit Passwort: das Portal fragt nach dem Code, axe-sauber", async () => {
    await nextStep(); // the code that switched it on is used up in its step
    await signInWithPassword(page, portal, c);
    await page.waitForURL(/\/api\/anmeldung\/code$/);
    await expectText(page.locator("h1"), "Bestätigungscode eingeben");
    await expectAxeClean(page, "Bestätigungscode");
  });
  await step("Falscher Code: Fehlerübersicht, axe-sauber; dann der Code der App: Ihr Konto", async () => {
    await page.getByLabel("Bestätigungscode").fill("111111" === totp(key) ? "222222" : "111111");
    await page.getByRole("button", { name: "Anmeldung abschließen" }).click();
    await expectText(page.locator(".error-summary"), "Der Code stimmt nicht");
    await expectAxeClean(page, "Bestätigungscode (mit Fehler)");
    await page.getByLabel("Bestätigungscode").fill(totp(key));
    await page.getByRole("button", { name: "Anmeldung abschließen" }).click();
    await page.waitForURL(/\/api\/konto$/);
    await expectText(page.locator("h1"), "Ihr Konto");
  });

  const noJs = await openPage(browser, { javaScript: false });
  const stepNoJs = journey(noJs, "Zwei-Faktor-Anmeldung ohne JavaScript");
  await stepNoJs("Anmelden mit Passwort und Wiederherstellungscode: es bleiben neun", async () => {
    await signInWithPassword(noJs, portal, c);
    await noJs.waitForURL(/\/api\/anmeldung\/code$/);
    await noJs.getByLabel("Bestätigungscode").fill(recovery[0]);
    await noJs.getByRole("button", { name: "Anmeldung abschließen" }).click();
    await noJs.waitForURL(/\/api\/konto\/zwei-faktor/);
    await expectText(noJs.getByRole("main").getByRole("status"), "Es bleiben 9");
    await expectText(noJs.getByRole("main"), "Unbenutzte Wiederherstellungscodes: 9");
    await expectAxeClean(noJs, "Zwei-Faktor-Anmeldung (eingeschaltet)");
  });
  await stepNoJs("Ausschalten: mit falschem Passwort abgelehnt, mit Passwort und Wiederherstellungscode ausgeschaltet", async () => {
    await noJs.getByLabel("Ihr Passwort").fill("ein falsches Passwort für diesen Test");
    await noJs.getByLabel("Bestätigungscode").fill(recovery[1]);
    await noJs.getByRole("button", { name: "Zwei-Faktor-Anmeldung ausschalten" }).click();
    await expectText(noJs.locator(".error-summary"), "Das Passwort ist nicht richtig");
    await expectAxeClean(noJs, "Ausschalten (mit Fehler)");
    await noJs.getByLabel("Ihr Passwort").fill(c.password);
    await noJs.getByLabel("Bestätigungscode").fill(recovery[1]);
    await noJs.getByRole("button", { name: "Zwei-Faktor-Anmeldung ausschalten" }).click();
    await expectText(noJs.getByRole("main").getByRole("status"), "ausgeschaltet");
  });
  await stepNoJs("Das Passwort allein meldet wieder an", async () => {
    await noJs.context().clearCookies();
    await signInWithPassword(noJs, portal, c);
    await noJs.waitForURL(/\/api\/konto$/);
    await expectText(noJs.locator("h1"), "Ihr Konto");
  });
  await noJs.context().close();
});
