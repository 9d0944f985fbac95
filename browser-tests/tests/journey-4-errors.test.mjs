// Journey 4: forms sent empty and with invalid values. The browser's check (portal.js) and,
// where the function exists today, the function's check: an error summary at the top links
// to each field, focus moves to it, each link focuses its field, and nothing is stored.
//
// The function's checks of orders and Bedarf (values the browser accepts but the function
// refuses): journey-4-function-errors.test.mjs.
import { test } from "node:test";
import { expectText, expectVisible, journey, openPage, until } from "../lib/browser.mjs";
import { expectLinksFocusFields, expectSummary, readSummaryOnArrival, requiredFields, watchPosts } from "../lib/forms.mjs";
import { mails } from "../lib/mail.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { fillRegistration, newCustomer } from "../lib/signup.mjs";

const env = portalAndBrowser("fehler");

async function nothingStored(portal, sent) {
  if (sent.length) throw new Error(`Das Formular wurde trotzdem gesendet: ${sent.join(", ")}`);
  // The invitation of the sample provider's account, which `csp serve` creates on start, is
  // not the form's doing.
  // The invitations of the accounts `csp serve` creates out of the box are not the journey's.
  const m = mails(portal.mailDir).filter((x) => !["konsole@dataport.example", "konsole@betrieb.example", "konsole@govdigital.example"].some((a) => x.to.includes(a)));
  if (m.length) throw new Error(`Mail im Mail-Ordner: ${m.map((x) => `${x.to}: ${x.subject}`).join("; ")}`);
  const pending = await portal.admin("registrations");
  if (!/Keine Registrierung/.test(pending)) throw new Error(`Registrierung gespeichert:\n${pending}`);
}

async function fieldMessage(page, id) {
  return page.evaluate((i) => {
    const f = document.getElementById(i);
    const ids = (f.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    return ids.map((d) => document.getElementById(d)).filter(Boolean).map((e) => e.textContent.trim()).join(" ");
  }, id);
}

test("Journey 4a: Registrierung, im Browser geprüft", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Fehler Registrierung");
  const posts = watchPosts(page, "/api/registrierung");
  const send = () => page.getByRole("button", { name: "Registrierung absenden" }).click();

  await step("Registrierung öffnen und leer absenden", async () => {
    await page.goto(`${portal.url}/registrieren/`);
    await send();
  });
  await step("Fehlerübersicht oben mit einem Link je Pflichtfeld, Fokus darauf", async () => {
    const required = await requiredFields(page, "form[action='/api/registrierung']");
    if (required.length < 10) throw new Error(`nur ${required.length} Pflichtfelder gefunden`);
    await expectSummary(page, { fields: required });
  });
  await step("Jeder Link der Übersicht setzt den Fokus auf sein Feld", () => expectLinksFocusFields(page));
  await step("Ungültige Postleitzahl und E-Mail-Adresse", async () => {
    await fillRegistration(page, newCustomer({ postcode: "123", email: "erika@" }));
    await send();
    const s = await expectSummary(page, { fields: ["org-postcode", "admin-email"] });
    const texts = s.links.map((l) => l.text).join(" | ");
    if (!/fünf Ziffern/.test(texts) || !/gültige E-Mail-Adresse/.test(texts)) throw new Error(`Meldungen: ${texts}`);
    await expectText(page.locator("#org-postcode-fehler"), "fünf Ziffern");
    if (!/fünf Ziffern/.test(await fieldMessage(page, "org-postcode"))) throw new Error("Meldung nicht mit dem Feld verknüpft (aria-describedby)");
  });
  await step("Nichts gesendet, keine Mail, keine Registrierung gespeichert", () => nothingStored(portal, posts.sent()));
  await page.context().close();
});

test("Journey 4b: Anmeldung, im Browser geprüft", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Fehler Anmeldung");
  const posts = watchPosts(page, "/api/anmeldung");
  const send = () => page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();

  await step("Anmeldung leer absenden: Übersicht mit E-Mail und Passwort", async () => {
    await page.goto(`${portal.url}/anmelden/`);
    await send();
    await expectSummary(page, { fields: ["email", "password"] });
  });
  await step("Links setzen den Fokus auf die Felder", () => expectLinksFocusFields(page));
  await step("Ungültige E-Mail-Adresse", async () => {
    await page.getByLabel(/^E-Mail-Adresse/).fill("erika@");
    await page.getByLabel(/^Passwort/).fill("irgendein Passwort");
    await send();
    const s = await expectSummary(page, { fields: ["email"] });
    if (!/gültige E-Mail-Adresse/.test(s.links[0].text)) throw new Error(`Meldung: ${s.links[0].text}`);
  });
  await step("Nichts gesendet", async () => {
    if (posts.sent().length) throw new Error(`gesendet: ${posts.sent()}`);
  });
  await page.context().close();
});

test("Journey 4c: Bedarf melden, im Browser geprüft", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Fehler Bedarf melden");
  const posts = watchPosts(page, "/api/bedarf");
  const send = () => page.getByRole("button", { name: "Bedarf senden" }).click();

  await step("Bedarf leer absenden: Übersicht mit Titel und Beschreibung", async () => {
    await page.goto(`${portal.url}/bedarf-melden/`);
    await send();
    await expectSummary(page, { fields: ["title", "description"] });
  });
  await step("Links setzen den Fokus auf die Felder", () => expectLinksFocusFields(page));
  await step("Ungültige Zahl der Nutzenden (0)", async () => {
    await page.getByLabel(/^Was brauchen Sie/).fill("Terminvergabe für Bürgerbüros");
    await page.getByLabel(/^Beschreibung/).fill("Online-Terminvergabe für drei Standorte.");
    await page.getByLabel(/^Erwartete Zahl/).fill("0");
    await send();
    const s = await expectSummary(page, { fields: ["expected-users"] });
    if (!/mindestens 1/.test(s.links[0].text)) throw new Error(`Meldung: ${s.links[0].text}`);
  });
  await step("Nichts gesendet", async () => {
    if (posts.sent().length) throw new Error(`gesendet: ${posts.sent()}`);
  });
  await page.context().close();
});

test("Journey 4d: Bestellformular, im Browser geprüft", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Fehler Bestellung");
  const posts = watchPosts(page, "/api/bestellungen");
  const send = () => page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();

  await step("Bestellformular leer absenden: ein Link je offenem Pflichtfeld", async () => {
    await page.goto(`${portal.url}/bestellen/managed-kubernetes/`);
    await expectText(page.locator("h1"), "Managed Kubernetes");
    await send();
    // Price plan and contract model come pre-selected; everything else required is empty.
    const required = (await requiredFields(page, "form[action='/api/bestellungen']")).filter((id) => !/^(plan|vertrag)-/.test(id));
    for (const id of ["option-knoten", "option-knotengroesse", "billing-org", "billing-postcode", "consent-agb", "consent-conditions"]) {
      if (!required.includes(id)) throw new Error(`Pflichtfeld ${id} fehlt im Formular (${required})`);
    }
    await expectSummary(page, { fields: required });
  });
  await step("Links setzen den Fokus auf die Felder", () => expectLinksFocusFields(page));
  await step("Ungültige Werte: 2 Knoten (mindestens 3), Postleitzahl mit 4 Ziffern", async () => {
    await page.getByLabel(/^Anzahl Arbeitsknoten/).fill("2");
    await page.getByLabel(/^Knotengröße/).selectOption({ index: 1 });
    await page.getByLabel(/^Organisation/).fill("Stadt Musterhausen");
    await page.getByLabel(/^Straße und Hausnummer/).fill("Marktplatz 1");
    await page.getByLabel(/^Postleitzahl/).fill("1234");
    await page.getByLabel(/^Ort/).fill("Musterhausen");
    await page.getByLabel(/Nutzungsbedingungen des Portals/).check();
    await page.getByLabel(/servicespezifischen Bedingungen/).check();
    await send();
    const s = await expectSummary(page, { fields: ["option-knoten", "billing-postcode"] });
    const texts = s.links.map((l) => l.text).join(" | ");
    if (!/mindestens 3/.test(texts) || !/fünf Ziffern/.test(texts)) throw new Error(`Meldungen: ${texts}`);
  });
  await step("Nichts gesendet", async () => {
    if (posts.sent().length) throw new Error(`gesendet: ${posts.sent()}`);
  });
  await page.context().close();
});

test("Journey 4e: Registrierung, von der Funktion geprüft (ohne JavaScript)", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Fehler Registrierung (Funktion)");
  let arrival;

  await step("Registrierung leer an die Funktion senden", async () => {
    await page.goto(`${portal.url}/registrieren/`);
    // A browser that does not check required fields itself sends the form as it is.
    await page.evaluate(() => {
      document.querySelector("form[action='/api/registrierung']").noValidate = true;
    });
    await page.getByRole("button", { name: "Registrierung absenden" }).click();
    await page.waitForURL(/\/api\/registrierung/);
    arrival = await readSummaryOnArrival(page);
  });
  await step("Fehlerübersicht oben mit einem Link je Pflichtfeld", async () => {
    const required = await requiredFields(page, "main form");
    const question = (await page.locator("#frage-antwort").count()) ? ["frage-antwort"] : [];
    await expectSummary(page, { fields: [...required, ...question], focus: false });
  });
  await step("Jeder Link der Übersicht setzt den Fokus auf sein Feld", () => expectLinksFocusFields(page));
  await step("Ungültige Postleitzahl und E-Mail-Adresse: Angaben bleiben erhalten", async () => {
    await page.goto(`${portal.url}/registrieren/`);
    await fillRegistration(page, newCustomer({ postcode: "12", email: "keine-adresse", organisation: "Gemeinde Prüfhausen" }));
    await page.evaluate(() => {
      document.querySelector("form[action='/api/registrierung']").noValidate = true;
    });
    await page.getByRole("button", { name: "Registrierung absenden" }).click();
    await page.waitForURL(/\/api\/registrierung/);
    const s = await expectSummary(page, { fields: ["org-postcode", "admin-email", "frage-antwort"], focus: false });
    const texts = s.links.map((l) => l.text).join(" | ");
    if (!/Postleitzahl/.test(texts) || !/E-Mail/.test(texts)) throw new Error(`Meldungen: ${texts}`);
    const kept = await page.locator("#org-name").inputValue();
    if (kept !== "Gemeinde Prüfhausen") throw new Error(`Name der Organisation nicht erhalten: „${kept}“`);
  });
  await step("Keine Mail, keine Registrierung gespeichert", () => nothingStored(portal, []));
  await step("Beim Laden der Fehlerseite stand der Fokus auf der Fehlerübersicht", async () => {
    if (!arrival) throw new Error("keine Fehlerübersicht");
    if (!arrival.focused) {
      throw new Error(
        "Ohne JavaScript kommt der Fokus nicht auf die Fehlerübersicht der Funktion: sie braucht autofocus (tabindex=-1 ist schon da), damit Tastatur- und Screenreader-Nutzende sie sofort erreichen",
      );
    }
  });
  await page.context().close();
});

test("Journey 4f: Anmeldung mit falschem Passwort, von der Funktion geprüft", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Fehler Anmeldung (Funktion)");
  let arrival;

  await step("Gültig aussehende, aber falsche Anmeldedaten senden", async () => {
    await page.goto(`${portal.url}/anmelden/`);
    await page.getByLabel(/^E-Mail-Adresse/).fill("niemand@behoerde.example");
    await page.getByLabel(/^Passwort/).fill("ein falsches, aber langes Passwort");
    await page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
    await page.waitForURL(/\/api\/anmeldung/);
    arrival = await readSummaryOnArrival(page);
  });
  await step("Meldung oben, E-Mail-Adresse bleibt, nicht angemeldet", async () => {
    await expectVisible(page.locator(".error-summary"), "Fehlerübersicht");
    await expectText(page.locator(".error-summary"), "nicht richtig");
    const kept = await page.getByRole("main").getByRole("textbox", { name: /E-Mail-Adresse/ }).inputValue();
    if (kept !== "niemand@behoerde.example") throw new Error(`E-Mail-Adresse nicht erhalten: „${kept}“`);
    const session = await page.evaluate(() => fetch("/api/sitzung").then((r) => r.json()));
    if (session.angemeldet) throw new Error("trotzdem angemeldet");
  });
  await step("Beim Laden der Fehlerseite stand der Fokus auf der Meldung", async () => {
    if (!arrival || !arrival.focused) {
      throw new Error("Der Fokus steht nicht auf der Fehlerübersicht der Funktion (autofocus fehlt; mit JavaScript lädt die Seite auch kein Skript, das ihn setzt)");
    }
  });
  await page.context().close();
});

test("Journey 4i: Formulare sagen, wenn der Dienst des Portals nicht erreichbar ist", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Dienst nicht erreichbar");
  const notice = page.locator("[data-service-notice]");

  await step("Dienst erreichbar: kein Hinweis über dem Formular", async () => {
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/sitzung"));
    await page.goto(`${portal.url}/bedarf-melden/`);
    if ((await answered).status() !== 200) throw new Error("/api/sitzung antwortet nicht mit 200");
    await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
    if (await notice.isVisible()) throw new Error("Hinweis sichtbar, obwohl der Dienst antwortet");
  });
  await step("Dienst antwortet nicht (wie auf einer rein statischen Kopie): Hinweis über dem Formular", async () => {
    await page.route("**/api/sitzung", (route) => route.fulfill({ status: 404, contentType: "text/html", body: "<!doctype html><title>404</title>" }));
    await page.goto(`${portal.url}/bestellen/managed-kubernetes/`);
    await expectVisible(notice, "Hinweis auf den nicht erreichbaren Dienst");
    await expectText(notice, "nicht erreichbar");
    const text = await page.locator("main").innerText();
    if (/csp serve/.test(text)) throw new Error("Entwicklerhinweis auf der Seite");
  });
  await page.context().close();
});
