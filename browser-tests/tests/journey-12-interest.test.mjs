// Journey 12: "Interesse bekunden". (12a) With JavaScript: the provider of the sample
// content (Dataport, created by `csp serve`) accepts its invitation and finds its list of
// expressions of interest empty; a customer opens dMessenger's page, chooses "Interesse
// bekunden" beside "Zur Bestellung", sends a message that is too long (refused with an
// error summary), then a right one; the provider's mail arrives in the mail folder with
// organisation, person, contact, offering and message, and its link opens the provider's
// list, which shows the same; a second expression for the same offering is not offered; the
// customer withdraws it in "Ihre Interessenbekundungen" and the provider sees it withdrawn.
// (12b) Without JavaScript: not signed in, the button leads to the sign-in page with the
// way back (`weiter`), and signing in there returns to the form; expressing and withdrawing
// work. (12c) Keyboard only, from
// the offering's page to the sent form. axe: 0 violations on the form (empty and with
// errors, and when interest exists), the customer's list (empty, with an expression,
// withdrawn) and the provider's list (empty and with an expression).
import { test } from "node:test";
import { expectText, journey, openPage, until } from "../lib/browser.mjs";
import { axeViolations, formatViolations } from "../lib/audit.mjs";
import { keyboardUser } from "../lib/keyboard.mjs";
import { mails } from "../lib/mail.mjs";
import { accept, signInAs } from "../lib/members.mjs";
import { DATAPORT_EMAIL } from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { asMailed, newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("interesse");
const MINE = "/api/konto/interessen";
const INCOMING = "/api/konto/eingegangene-interessen";
const DETAIL = "/cloud-services/dmessenger/";
const dataport = { name: "Konsole Dataport", email: "konsole@dataport.example", password: "Ein langer Satz als Passwort für Dataport 2026" };

async function expectAxeClean(page, what) {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${what}: ${violations.length} axe-Verstoß/Verstöße:\n${formatViolations(violations)}`);
}

function notice(page) {
  return page.locator("main .notice[role=status]");
}

/** The stand of each expression on a list, in its order. */
async function stands(page) {
  return page.locator("main .interest .status-card").allTextContents();
}

/** The mail to the provider about `organisation`'s interest. */
async function interestMail(portal, organisation) {
  return until(
    () => mails(portal.mailDir).reverse().find((m) => m.to.includes(DATAPORT_EMAIL) && /^Interesse an dMessenger/.test(m.subject) && m.body.includes(organisation)) || null,
    `keine E-Mail an ${DATAPORT_EMAIL} über das Interesse von ${organisation}`,
  );
}

const customer = newCustomer({ organisation: "Stadt Neugierhausen" });

test("Journey 12a: Kunde bekundet Interesse, Anbieter sieht es, Kunde zieht es zurück", async () => {
  const { portal, browser } = env;
  const providerPage = await openPage(browser);
  const providerStep = journey(providerPage, "Anbieter");
  await providerStep("Dataport nimmt die Einladung an; die Liste ist leer (axe-sauber)", async () => {
    await accept(providerPage, portal, dataport, "Dataport");
    await providerPage.getByRole("main").getByRole("link", { name: "Eingegangene Interessenbekundungen" }).click();
    await expectText(providerPage.locator("h1"), "Eingegangene Interessenbekundungen");
    await expectText(providerPage.getByRole("main"), "Bisher hat keine Kundenorganisation");
    await expectAxeClean(providerPage, "Eingegangene Interessenbekundungen (leer)");
  });

  const page = await openPage(browser);
  const step = journey(page, "Kunde");
  await signUpAndSignIn(page, portal, step, customer);
  await step("Ihr Konto › Ihre Interessenbekundungen: leer (axe-sauber)", async () => {
    await page.goto(`${portal.url}/api/konto`);
    await page.getByRole("main").getByRole("link", { name: "Ihre Interessenbekundungen" }).click();
    await expectText(page.locator("h1"), "Ihre Interessenbekundungen");
    await expectText(page.getByRole("main"), "noch kein Interesse");
    await expectAxeClean(page, "Ihre Interessenbekundungen (leer)");
  });
  await step("Produktseite: „Interesse bekunden“ neben „Zur Bestellung“ öffnet das Formular (axe-sauber)", async () => {
    await page.goto(`${portal.url}${DETAIL}`);
    const actions = page.locator(".detail-actions");
    await expectText(actions, "Zur Bestellung");
    await actions.getByRole("link", { name: "Interesse bekunden" }).click();
    await expectText(page.locator("h1"), "Interesse an dMessenger bekunden");
    await expectText(page.getByRole("main"), customer.organisation);
    await expectAxeClean(page, "Interesse bekunden (leer)");
  });
  await step("Zu lange Nachricht: Fehlerübersicht führt zum Feld (axe-sauber)", async () => {
    // The field stops typing at its limit; a browser that ignores the limit sends more.
    await page.locator("#interesse-nachricht").evaluate((el) => el.removeAttribute("maxlength"));
    await page.getByLabel(/^Ihre Nachricht an den Anbieter/).fill("x".repeat(1001));
    await page.getByRole("button", { name: "Interesse bekunden" }).click();
    await expectText(page.locator(".error-summary"), "höchstens 1000 Zeichen");
    const href = await page.locator(".error-summary a").first().getAttribute("href");
    if (href !== "#interesse-nachricht") throw new Error(`Die Fehlerübersicht führt zu ${href}`);
    await expectAxeClean(page, "Interesse bekunden (mit Fehlern)");
  });
  await step("Mit kurzer Nachricht senden: Liste mit Hinweis und Zurückziehen (axe-sauber)", async () => {
    await page.getByLabel(/^Ihre Nachricht an den Anbieter/).fill("Wir möchten den dMessenger im Frühjahr testen.");
    await page.getByRole("button", { name: "Interesse bekunden" }).click();
    await page.waitForURL(/\/api\/konto\/interessen\?hinweis=bekundet$/);
    await expectText(notice(page), "beim Anbieter angekommen");
    await expectText(page.locator("main .interest"), "im Frühjahr testen");
    const s = await stands(page);
    if (JSON.stringify(s) !== JSON.stringify(["Offen"])) throw new Error(`Stand: ${JSON.stringify(s)}`);
    await expectAxeClean(page, "Ihre Interessenbekundungen (mit Bekundung)");
  });
  await step("Ein zweites Mal: das Formular sagt, dass es schon eine Bekundung gibt (axe-sauber)", async () => {
    await page.goto(`${portal.url}/api/interesse/dmessenger`);
    await expectText(notice(page), "bereits Interesse");
    if (await page.locator("main form").count()) throw new Error("das Formular wird ein zweites Mal angeboten");
    await expectAxeClean(page, "Interesse bekunden (schon bekundet)");
  });

  await providerStep("Die E-Mail an die Bestelladresse nennt Organisation, Person, Kontakt, Angebot und Nachricht", async () => {
    const mail = await interestMail(portal, customer.organisation);
    for (const part of [customer.organisation, customer.name, customer.email, customer.phone, "dMessenger", "im Frühjahr testen", "Bekundet am"]) {
      if (!mail.body.includes(part)) throw new Error(`„${part}“ fehlt in der E-Mail:\n${mail.body}`);
    }
    const link = mail.links.find((l) => l.includes(INCOMING));
    if (!link) throw new Error(`kein Link zur Liste in der E-Mail:\n${mail.body}`);
    await providerPage.goto(asMailed(portal, link));
    await expectText(providerPage.locator("h1"), "Eingegangene Interessenbekundungen");
    const item = providerPage.locator("main .interest").filter({ hasText: customer.organisation });
    for (const part of [customer.name, customer.email, customer.phone, "dMessenger", "im Frühjahr testen", "Offen"]) await expectText(item, part);
    await expectAxeClean(providerPage, "Eingegangene Interessenbekundungen (mit Bekundung)");
  });

  await step("Zurückziehen: Hinweis, Stand „Zurückgezogen“, kein Knopf mehr (axe-sauber)", async () => {
    await page.goto(`${portal.url}${MINE}`);
    await page.getByRole("button", { name: /^Zurückziehen/ }).first().click();
    await expectText(notice(page), "Die Interessenbekundung ist zurückgezogen");
    const s = await stands(page);
    if (s.length !== 1 || !/^Zurückgezogen am/.test(s[0])) throw new Error(`Stand: ${JSON.stringify(s)}`);
    if (await page.locator("main form").count()) throw new Error("noch ein Knopf zum Zurückziehen");
    await expectAxeClean(page, "Ihre Interessenbekundungen (zurückgezogen)");
  });
  await providerStep("Der Anbieter sieht sie als zurückgezogen", async () => {
    await providerPage.reload();
    const item = providerPage.locator("main .interest").filter({ hasText: customer.organisation });
    await expectText(item, /Zurückgezogen am/);
  });
  await page.context().close();
  await providerPage.context().close();
});

test("Journey 12b: ohne JavaScript: zur Anmeldung mit Rückweg, bekunden, zurückziehen", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Kunde ohne JavaScript");
  await step("Nicht angemeldet: „Interesse bekunden“ führt zur Anmeldung mit dem Weg zurück", async () => {
    await page.goto(`${portal.url}${DETAIL}`);
    await page.locator(".detail-actions").getByRole("link", { name: "Interesse bekunden" }).click();
    await page.waitForURL(/\/anmelden\/\?weiter=/);
    const weiter = new URL(page.url()).searchParams.get("weiter");
    if (weiter !== "/api/interesse/dmessenger") throw new Error(`weiter=${weiter}`);
    await expectText(page.locator("h1"), "Anmelden");
  });
  await step("Auf dieser Seite anmelden: zurück im Formular „Interesse bekunden“, dann absenden", async () => {
    await page.getByLabel(/^E-Mail-Adresse/).fill(customer.email);
    await page.getByLabel(/^Passwort\b/).fill(customer.password);
    await page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
    await page.waitForURL(/\/api\/interesse\/dmessenger$/);
    await page.getByLabel(/^Ihre Nachricht an den Anbieter/).fill("Ohne Skript, bitte Rückruf.");
    await page.getByRole("button", { name: "Interesse bekunden" }).click();
    await page.waitForURL(/\/api\/konto\/interessen\?hinweis=bekundet$/);
    await expectText(notice(page), "beim Anbieter angekommen");
    const s = await stands(page);
    if (s[0] !== "Offen" || s.length !== 2) throw new Error(`Stände: ${JSON.stringify(s)}`);
    await expectAxeClean(page, "Ihre Interessenbekundungen (ohne JavaScript)");
  });
  await step("Zurückziehen ohne JavaScript", async () => {
    await page.getByRole("button", { name: /^Zurückziehen/ }).first().click();
    await expectText(notice(page), "Die Interessenbekundung ist zurückgezogen");
    const s = await stands(page);
    if (!s.every((t) => /^Zurückgezogen am/.test(t))) throw new Error(`Stände: ${JSON.stringify(s)}`);
  });
  await page.context().close();
});

test("Journey 12c: Interesse bekunden nur mit der Tastatur", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Tastatur");
  await signInAs(page, portal, customer, customer.organisation);
  const kb = keyboardUser(page);
  await step("Produktseite: zu „Interesse bekunden“ tabben, mit Enter öffnen", async () => {
    await page.goto(`${portal.url}${DETAIL}`);
    await kb.tabUntil((f) => f.tag === "a" && f.text === "Interesse bekunden", "den Link „Interesse bekunden“");
    await kb.press("Enter", { navigates: true });
    await expectText(page.locator("h1"), "Interesse an dMessenger bekunden");
  });
  await step("Zum Nachrichtenfeld tabben, tippen, zum Knopf tabben, mit Enter senden", async () => {
    await kb.tabUntil((f) => f.id === "interesse-nachricht", "das Feld „Ihre Nachricht an den Anbieter“");
    await kb.type("Per Tastatur gesendet.");
    await kb.tabUntil((f) => f.tag === "button" && /Interesse bekunden/.test(f.text), "den Knopf „Interesse bekunden“", { max: 2 });
    await kb.press("Enter", { navigates: true });
    await page.waitForURL(/\/api\/konto\/interessen\?hinweis=bekundet$/);
    await expectText(page.locator("main .interest").first(), "Per Tastatur gesendet.");
  });
  await step("Zum Knopf „Zurückziehen“ tabben und mit Enter zurückziehen", async () => {
    await kb.tabUntil((f) => f.tag === "button" && /Zurückziehen/.test(f.text), "den Knopf „Zurückziehen“");
    await kb.press("Enter", { navigates: true });
    await expectText(notice(page), "Die Interessenbekundung ist zurückgezogen");
    kb.expectAllVisible();
  });
  await page.context().close();
});
