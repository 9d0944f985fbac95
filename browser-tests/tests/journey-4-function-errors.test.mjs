// Journey 4, server side: order and Bedarf forms with values the browser accepts but the
// function refuses, sent without JavaScript (so only the function checks). The form the
// function sends back is the static form's template, with the same checks in the browser. The function's
// own form comes back (HTTP 422) with an error summary at the top that has the focus, each
// link focuses its field, and nothing was stored: no order, no Bedarf, no mail.
import { test } from "node:test";
import { expectText, journey, openPage } from "../lib/browser.mjs";
import { expectLinksFocusFields, expectSummary, readSummaryOnArrival } from "../lib/forms.mjs";
import { mails } from "../lib/mail.mjs";
import {
  DATAPORT_EMAIL,
  INTERMEDIARY_EMAIL,
  OPERATOR_EMAIL,
  dmessengerOrder,
  fillNeed,
  fillOrderForm,
  isoDate,
  listedNeeds,
  orderRows,
} from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("fehler-funktion");

/** A signed-in customer's session in a new context without JavaScript. */
async function signedInWithoutJavaScript(browser, portal, name, customer) {
  const withJs = await openPage(browser);
  await signUpAndSignIn(withJs, portal, journey(withJs, `${name} (Anmeldung)`), customer);
  const state = await withJs.context().storageState();
  await withJs.context().close();
  return openPage(browser, { javaScript: false, storageState: state });
}

/** Clicks the submit button and returns the function's answer to the POST to `path`. */
async function send(page, button, path) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === path),
    page.getByRole("button", { name: button }).click(),
  ]);
  await page.waitForLoadState();
  return response;
}

function expectStatus(response, status) {
  if (response.status() !== status) throw new Error(`HTTP ${response.status()} statt ${status} auf ${response.url()}`);
}

async function noOrderStored(page, portal, customer) {
  await page.goto(`${portal.url}/api/konto/bestellungen`);
  await expectText(page.locator("h1"), "Ihre Bestellungen");
  const rows = await orderRows(page);
  if (rows.length) throw new Error(`Bestellung gespeichert: ${JSON.stringify(rows)}`);
  await expectText(page.locator("main"), "noch nichts bestellt");
  const sent = mails(portal.mailDir).filter(
    (m) => m.to.includes(DATAPORT_EMAIL) || m.to.includes(INTERMEDIARY_EMAIL) || (m.to.includes(customer.email) && /Bestellung/.test(m.subject)),
  );
  if (sent.length) throw new Error(`Mails zu einer Bestellung: ${sent.map((m) => `${m.to}: ${m.subject}`).join("; ")}`);
}

test("Journey 4g: Bestellung, von der Funktion abgelehnt (ohne JavaScript)", async () => {
  const { portal, browser } = env;
  // Registered as not in-house capable: the Umklappvertrag is not for this organisation.
  const customer = newCustomer({ organisation: "Gemeinde Ohneinhouse", inHouse: false });
  const page = await signedInWithoutJavaScript(browser, portal, "Fehler Bestellung (Funktion)", customer);
  const step = journey(page, "Fehler Bestellung (Funktion)");
  let arrival;

  await step("Statisches Bestellformular: Umklappvertrag wählen (der Browser lässt es zu) und senden", async () => {
    await page.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(page, dmessengerOrder(customer, { contract: "Umklappvertrag", users: "300" }));
    const response = await send(page, "Zahlungspflichtig bestellen", "/api/bestellungen");
    expectStatus(response, 422);
    arrival = await readSummaryOnArrival(page);
  });
  await step("Formular der Funktion: Fehlerübersicht mit dem Vertragsmodell, Fokus darauf", async () => {
    await expectText(page.locator("h1"), "dMessenger bestellen");
    const s = await expectSummary(page, { fields: ["vertrag-direktvertrag"], focus: false });
    if (!/inhousefähig/.test(s.links[0].text)) throw new Error(`Meldung: ${s.links[0].text}`);
    if (!arrival || !arrival.focused) throw new Error("Beim Laden stand der Fokus nicht auf der Fehlerübersicht (autofocus)");
  });
  await step("Die Angaben bleiben erhalten", async () => {
    const kept = await page.evaluate(() => ({
      users: document.getElementById("option-nutzer").value,
      plan: document.querySelector("input[name=plan]:checked")?.value,
      model: document.querySelector("input[name=contract_model]:checked")?.value,
      dc: document.getElementById("option-rechenzentrum").value,
      city: document.getElementById("billing-city").value,
    }));
    const want = { users: "300", plan: "standard", model: "umklappvertrag", dc: "Norderstedt", city: customer.city };
    if (JSON.stringify(kept) !== JSON.stringify(want)) throw new Error(`erhalten: ${JSON.stringify(kept)}, erwartet ${JSON.stringify(want)}`);
  });
  await step("Der Link der Übersicht setzt den Fokus auf das Feld", () => expectLinksFocusFields(page));
  await step("Direktvertrag, aber 25.000 Nutzer (erlaubt bis 20.000): das Formular der Funktion ist das statische und prüft den Bereich im Browser", async () => {
    await page.getByRole("radio", { name: "Direktvertrag", exact: true }).check();
    await page.getByLabel(/^Anzahl Nutzer/).fill("25000");
    const posts = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posts.push(r.url());
    });
    await page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
    await page.waitForTimeout(500);
    if (posts.length) throw new Error(`Das Formular wurde trotz 25.000 Nutzern gesendet: ${posts.join(", ")}`);
    const over = await page.evaluate(() => document.getElementById("option-nutzer").validity.rangeOverflow);
    if (!over) throw new Error("Der Browser hält 25.000 Nutzer nicht für zu viel: dem Feld fehlt max");
  });
  await step("Nichts gespeichert: keine Bestellung in der Liste, keine Mail an Anbieter oder Intermediär", () => noOrderStored(page, portal, customer));
  await page.context().close();
});

test("Journey 4h: Bedarf mit Starttermin in der Vergangenheit, von der Funktion abgelehnt (ohne JavaScript)", async () => {
  const { portal, browser } = env;
  const customer = newCustomer({ organisation: "Amt Gesternhausen" });
  const page = await signedInWithoutJavaScript(browser, portal, "Fehler Bedarf (Funktion)", customer);
  const step = journey(page, "Fehler Bedarf (Funktion)");
  const title = `Digitale Akte für das Standesamt ${process.pid}`;
  let arrival;

  await step("Statisches Formular: Starttermin vor 30 Tagen (der Browser lässt ihn zu) und senden", async () => {
    await page.goto(`${portal.url}/bedarf-melden/`);
    await fillNeed(page, { title, description: "Elektronische Akte mit Anbindung an das Fachverfahren.", users: "12", date: isoDate(-30) });
    const response = await send(page, "Bedarf senden", "/api/bedarf");
    expectStatus(response, 422);
    arrival = await readSummaryOnArrival(page);
  });
  await step("Formular der Funktion: Fehlerübersicht mit dem Starttermin, Fokus darauf, Angaben erhalten", async () => {
    await expectText(page.locator("h1"), "Bedarf melden");
    const s = await expectSummary(page, { fields: ["wished-date"], focus: false });
    if (!/Vergangenheit/.test(s.links[0].text)) throw new Error(`Meldung: ${s.links[0].text}`);
    if (!arrival || !arrival.focused) throw new Error("Beim Laden stand der Fokus nicht auf der Fehlerübersicht (autofocus)");
    const kept = await page.getByLabel(/^Was brauchen Sie/).inputValue();
    if (kept !== title) throw new Error(`Titel nicht erhalten: „${kept}“`);
  });
  await step("Der Link der Übersicht setzt den Fokus auf das Datum", () => expectLinksFocusFields(page));
  await step("Nichts gespeichert: der Admin-Befehl listet keinen Bedarf, keine Mail an den Betrieb", async () => {
    const { out, lines } = await listedNeeds(portal, title);
    if (lines.length) throw new Error(`Bedarf gespeichert:\n${out}`);
    const sent = mails(portal.mailDir).filter((m) => m.to.includes(OPERATOR_EMAIL) && m.subject.includes(title));
    if (sent.length) throw new Error(`Mail an den Betrieb: ${sent.map((m) => m.subject).join("; ")}`);
  });
  await page.context().close();
});
