// The customer's way in, as a person does it, reusable by every journey that needs a
// signed-in customer (orders, Bedarf melden): register the organisation (the human check
// solves in the browser), open the confirmation link from the mail folder, the operator
// approves with the admin command, set the password from the invitation mail, sign in.
import { expectText, expectVisible, until } from "./browser.mjs";
import { waitForMailLink } from "./mail.mjs";

let counter = 0;

/** Data of a new organisation and its administrator; unique per call. */
export function newCustomer(overrides = {}) {
  counter += 1;
  const tag = `${process.pid}-${counter}`;
  return {
    organisation: `Stadt Musterhausen ${counter}`,
    legalForm: "Gebietskörperschaft",
    street: "Marktplatz 1",
    postcode: "12345",
    city: "Musterhausen",
    level: "Kommune",
    inHouse: true,
    name: "Erika Mustermann",
    email: `erika.${tag}@musterhausen.example`,
    phone: "030 1234567",
    password: "Ein langer Satz als Passwort für das Portal 2026",
    ...overrides,
  };
}

/** Fills the static registration form /registrieren/ (without submitting it). */
export async function fillRegistration(page, c) {
  await page.getByLabel("Name der Organisation").fill(c.organisation);
  await page.getByLabel("Rechtsform").selectOption(c.legalForm);
  await page.getByLabel("Straße und Hausnummer").fill(c.street);
  await page.getByLabel("Postleitzahl").fill(c.postcode);
  await page.getByLabel(/^Ort\b/).fill(c.city);
  await page.getByLabel(/^Verwaltungsebene/).selectOption(c.level);
  if (c.inHouse) await page.getByLabel(/inhousefähig/i).check();
  await page.getByLabel("Vor- und Nachname").fill(c.name);
  await page.getByLabel("Dienstliche E-Mail-Adresse").fill(c.email);
  await page.getByLabel("Telefonnummer").fill(c.phone);
  await page.getByLabel(/Nutzungsbedingungen/).check();
  await page.getByLabel(/Datenschutzerklärung/).check();
}

/**
 * A link from a mail, opened exactly as mailed: it must point at the portal's one public
 * address (what `csp serve` printed), whichever process sent the mail.
 */
export function asMailed(portal, link) {
  if (!link.startsWith(`${portal.url}/`)) {
    throw new Error(`Der Link der E-Mail zeigt nicht auf die Adresse des Portals (${portal.url}): ${link}`);
  }
  return link;
}

/**
 * Registers a new organisation with JavaScript on and signs its administrator in.
 * `step` is the journey's step function (failures name the step and show the page).
 * Returns the customer's data; the page is left on a static page whose header shows the
 * signed-in state.
 */
export async function signUpAndSignIn(page, portal, step, customer = newCustomer()) {
  const c = customer;
  await step("Registrierung öffnen", async () => {
    await page.goto(`${portal.url}/`);
    await page.getByRole("banner").getByRole("link", { name: "Registrieren" }).click();
    await expectText(page.locator("h1"), "Organisation registrieren");
  });
  await step("Registrierung ausfüllen und absenden (Sicherheitsprüfung im Browser)", async () => {
    await fillRegistration(page, c);
    await expectText(page.locator("[data-altcha-status]"), "Sicherheitsprüfung abgeschlossen", { timeout: 30_000 });
    await page.getByRole("button", { name: "Registrierung absenden" }).click();
    await expectText(page.locator("h1"), "Vielen Dank für Ihre Registrierung");
  });
  let confirmLink;
  await step("Bestätigungslink aus dem Mail-Ordner öffnen und bestätigen", async () => {
    confirmLink = await waitForMailLink(portal.mailDir, c.email, "/api/bestaetigen");
    await page.goto(asMailed(portal, confirmLink));
    await expectText(page.locator("h1"), "E-Mail-Adresse bestätigen");
    await page.getByRole("button", { name: "E-Mail-Adresse bestätigen" }).click();
    await expectText(page.locator("h1"), "E-Mail-Adresse bestätigt");
  });
  await step("Betreiber gibt die Registrierung mit dem Admin-Befehl frei", async () => {
    const list = await portal.admin("registrations");
    const line = list.split("\n").find((l) => l.includes(c.organisation));
    if (!line) throw new Error(`Registrierung „${c.organisation}“ fehlt in der Liste:\n${list}`);
    const id = line.trim().split(/\s+/)[0];
    const out = await portal.admin("approve", id);
    if (!/Freigegeben/.test(out)) throw new Error(`Freigabe ohne Bestätigung: ${out}`);
    c.organisationId = id;
  });
  await step("Passwort über den Einladungslink festlegen", async () => {
    const link = await waitForMailLink(portal.mailDir, c.email, "/api/passwort-setzen");
    await page.goto(asMailed(portal, link));
    await page.getByLabel(/^Neues Passwort(?! wiederholen)/).fill(c.password);
    await page.getByLabel("Neues Passwort wiederholen").fill(c.password);
    await page.getByRole("button", { name: /Passwort/ }).click();
    await until(async () => !/passwort-setzen/.test(page.url()), "die Seite nach dem Festlegen des Passworts erscheint nicht");
    await expectText(page.locator("h1"), /Passwort/);
  });
  await signIn(page, portal, step, c);
  return c;
}

/** Signs in on the static page /anmelden/ and checks the header's signed-in state. */
export async function signIn(page, portal, step, c) {
  await step("Auf /anmelden/ anmelden", async () => {
    await page.goto(`${portal.url}/anmelden/`);
    await page.getByLabel(/^E-Mail-Adresse/).fill(c.email);
    await page.getByLabel(/^Passwort\b/).fill(c.password);
    await page.getByRole("button", { name: "Anmelden" }).click();
    await page.waitForURL(/\/api\/konto/);
    await expectText(page.locator("h1"), "Ihr Konto");
    await expectText(page.locator("main"), c.organisation);
  });
  await step("Kopfzeile zeigt: angemeldet", async () => {
    await page.goto(`${portal.url}/`);
    const header = page.getByRole("banner");
    await expectVisible(header.getByRole("link", { name: /Ihr Konto/ }), "„Ihr Konto“ in der Kopfzeile");
    await expectText(header.getByRole("link", { name: /Ihr Konto/ }), c.name);
    await expectVisible(header.getByRole("link", { name: "Abmelden" }), "„Abmelden“ in der Kopfzeile");
    await until(async () => !(await header.getByRole("link", { name: "Anmelden", exact: true }).isVisible()), "„Anmelden“ ist noch sichtbar");
  });
}
