// "Ihr Konto › Mitarbeitende" as administrators and invited people use it: invite, accept
// the invitation from the mail folder, act on a person's row, read the audit trail.
import { expectText, until } from "./browser.mjs";
import { waitForMailLink } from "./mail.mjs";
import { asMailed } from "./signup.mjs";
import { totp } from "./totp.mjs";

let counter = 0;

/** The members page's message after a change. */
export function notice(page) {
  return page.locator("main .notice[role=status]");
}

/** A person to invite; unique per call. */
export function newMember(name, role = "Mitarbeiter/in") {
  counter += 1;
  const local = name.toLowerCase().replace(/[^a-z]+/g, ".");
  return {
    name,
    role,
    email: `${local}.${process.pid}-${counter}@musterhausen.example`,
    password: `Ein langer Satz als Passwort für ${name} 2026`,
  };
}

/** Opens the members page through "Ihr Konto". */
export async function openMembers(page, portal) {
  await page.goto(`${portal.url}/api/konto`);
  await page.getByRole("main").getByRole("link", { name: "Mitarbeitende" }).click();
  await page.waitForURL(/\/api\/konto\/mitarbeitende/);
  await expectText(page.locator("h1"), "Mitarbeitende");
}

/** Fills and sends "Konto hinzufügen"; waits for the list's notice. */
export async function invite(page, m) {
  await page.getByLabel(/^Name/).fill(m.name);
  await page.getByLabel(/^E-Mail-Adresse/).fill(m.email);
  await page.locator("#einladung-rolle").selectOption({ label: m.role });
  await page.getByRole("button", { name: "Einladung senden" }).click();
  await expectText(notice(page), "Die Einladung ist unterwegs");
}

/** The row of a person in the members table. */
export function row(page, m) {
  return page.locator("table.members tbody tr").filter({ hasText: m.email });
}

/** Clicks a row's button (its visible text, e.g. "Deaktivieren") and waits for `notice`. */
export async function act(page, m, button, message) {
  await row(page, m).getByRole("button", { name: new RegExp(`^${button}`) }).click();
  if (message) await expectText(notice(page), message);
}

/**
 * Opens the invitation link from the mail folder as mailed and sets the password `m.password`
 * (works with and without JavaScript); the page is left on the answer.
 */
export async function setPasswordFromInvitation(page, portal, m) {
  const link = await waitForMailLink(portal.mailDir, m.email, "/api/passwort-setzen");
  await page.goto(asMailed(portal, link));
  await page.getByLabel(/^Neues Passwort(?! wiederholen)/).fill(m.password);
  await page.getByLabel("Neues Passwort wiederholen").fill(m.password);
  await page.getByRole("button", { name: /Passwort/ }).click();
  await until(async () => !/passwort-setzen/.test(page.url()), "die Seite nach dem Festlegen des Passworts erscheint nicht");
}

/** Sets the password from the invitation in the mail folder and signs in on /anmelden/. */
export async function accept(page, portal, m, organisation) {
  await setPasswordFromInvitation(page, portal, m);
  await signInAs(page, portal, m, organisation);
}

/**
 * The first sign-in of an account that must use a second factor (an operator's): password on
 * /anmelden/, which leads to the set-up page; switches the factor on with the code an
 * authenticator app computes from the key shown. Returns the key.
 */
export async function signInSettingUpSecondFactor(page, portal, m) {
  await page.goto(`${portal.url}/anmelden/`);
  await page.getByLabel(/^E-Mail-Adresse/).fill(m.email);
  await page.getByLabel(/^Passwort/).fill(m.password);
  await page.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
  await page.waitForURL(/\/api\/konto\/zwei-faktor$/);
  const key = (await page.locator("[data-secret]").textContent()).trim();
  await page.getByLabel("Bestätigungscode aus der App").fill(totp(key));
  await page.getByRole("button", { name: "Zwei-Faktor-Anmeldung einschalten" }).click();
  await expectText(page.getByRole("main").getByRole("status"), "ist eingeschaltet");
  return key;
}

/** Signs in on the static page /anmelden/ (works with and without JavaScript). */
export async function signInAs(page, portal, m, organisation) {
  await page.goto(`${portal.url}/anmelden/`);
  await page.getByLabel(/^E-Mail-Adresse/).fill(m.email);
  await page.getByLabel(/^Passwort\b/).fill(m.password);
  await page.getByRole("button", { name: "Anmelden" }).click();
  await page.waitForURL(/\/api\/konto/);
  await expectText(page.locator("h1"), "Ihr Konto");
  if (organisation) await expectText(page.locator("main"), organisation);
}

/** The audit trail's rows as "Durch · Änderung · Betroffen". */
export async function auditRows(page) {
  return page.locator("table.audit tbody tr").evaluateAll((rows) =>
    rows.map((r) => {
      const cells = [...r.querySelectorAll("td")].map((c) => c.textContent.trim());
      return `${cells[1]} · ${cells[2]} · ${cells[3]}`;
    }),
  );
}
