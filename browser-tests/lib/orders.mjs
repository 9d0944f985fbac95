// Orders and Bedarf as people do them: the static order form of an offering, the decision
// links the provider and the intermediary get by mail, the customer's order pages.
import { expectText, until } from "./browser.mjs";
import { mails } from "./mail.mjs";

// Who gets which mail (the function's defaults unless the environment sets others; `csp
// serve` passes its environment on to the function).
export const OPERATOR_EMAIL = process.env.CSP_OPERATOR_EMAIL || "betrieb@cloud-service-portal.invalid";
export const INTERMEDIARY_EMAIL = process.env.CSP_INTERMEDIARY_EMAIL || "intermediaer@govdigital.invalid";
// dMessenger's provider is dataport.
export const DATAPORT_EMAIL = "bestellungen@dataport.example";

/** An order of dMessenger as the journeys place it; override what a journey needs. */
export function dmessengerOrder(customer, overrides = {}) {
  return {
    offering: "dmessenger",
    plan: "Standard",
    contract: "Umklappvertrag",
    users: "250",
    datacenter: "Norderstedt",
    federation: true,
    billingOrg: customer.organisation,
    street: customer.street,
    postcode: customer.postcode,
    city: customer.city,
    reference: "Az. 10-2026/17",
    note: "Start bitte nach Abstimmung mit der IT.",
    ...overrides,
  };
}

/**
 * Fills the static order form /bestellen/<id>/ with mouse and fill() (not for the keyboard
 * journey). Works with and without JavaScript.
 */
export async function fillOrderForm(page, o) {
  const form = page.locator("main form[action='/api/bestellungen']");
  await form.getByRole("radio", { name: new RegExp(`^${o.plan}:`) }).check();
  await form.getByRole("radio", { name: o.contract, exact: true }).check();
  await form.getByLabel(/^Anzahl Nutzer/).fill(o.users);
  if (o.datacenter) await form.getByLabel(/^Rechenzentrum/).selectOption(o.datacenter);
  if (o.federation) await form.getByLabel(/^Föderation/).check();
  await form.getByLabel(/^Organisation/).fill(o.billingOrg);
  await form.getByLabel(/^Straße und Hausnummer/).fill(o.street);
  await form.getByLabel(/^Postleitzahl/).fill(o.postcode);
  await form.getByLabel(/^Ort\b/).fill(o.city);
  if (o.reference) await form.getByLabel(/^Ihr Zeichen/).fill(o.reference);
  if (o.note) await form.getByLabel(/^Anmerkung/).fill(o.note);
  await form.getByLabel(/Nutzungsbedingungen des Portals/).check();
  await form.getByLabel(/servicespezifischen Bedingungen/).check();
}

/** Sends the order form and waits for the order page; returns { id, number, url }. */
export async function submitOrder(page) {
  await page.getByRole("button", { name: "Zahlungspflichtig bestellen" }).click();
  await page.waitForURL(/\/api\/konto\/bestellungen\/[^/?#]+$/);
  return orderOnPage(page);
}

/** The order shown on an order page: { id, number, url }. */
export async function orderOnPage(page) {
  const heading = await expectText(page.locator("h1"), /^Bestellung CSP-\d{4}-\d{6}$/);
  const number = heading.replace(/^Bestellung /, "");
  const year = new Date().getFullYear();
  if (!number.startsWith(`CSP-${year}-`)) throw new Error(`Bestellnummer ${number} ist nicht aus dem Jahr ${year}`);
  const url = page.url();
  return { id: url.split("/").pop(), number, url };
}

/** The status an order page shows ("Status: …"). */
export async function shownStatus(page) {
  return expectText(page.locator(".order-status"), /^Status: /);
}

/** Reloads the customer's order page until it shows `status` (a decision is stored at once). */
export async function expectStatusAfterReload(page, status) {
  let last = "";
  await until(
    async () => {
      await page.reload();
      last = await shownStatus(page);
      return last.includes(status);
    },
    `die Bestellung zeigt nach dem Neuladen nicht „${status}“ (zuletzt „${last}“)`,
    { timeout: 10_000, interval: 300 },
  );
}

/** Rows of "Ihre Bestellungen": [{ number, offering, date, status }], in page order. */
export async function orderRows(page) {
  if (!(await page.locator("table.orders").count())) return [];
  return page.locator("table.orders tbody tr").evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = Array.from(tr.children).map((c) => c.textContent.replace(/\s+/g, " ").trim());
      return { number: cells[0], offering: cells[1], date: cells[2], status: cells[3], deadline: cells[4] };
    }),
  );
}

/**
 * The day as the portal writes it (07.03.2026): in German time, whatever the machine's zone
 * is. `minutesAgo` gives the day a moment ago (an order placed just before midnight).
 */
export function germanToday(minutesAgo = 0) {
  return new Intl.DateTimeFormat("de-DE", { timeZone: "Europe/Berlin", day: "2-digit", month: "2-digit", year: "numeric" }).format(
    new Date(Date.now() - minutesAgo * 60_000),
  );
}

/** The mails about order `number` to `to`. */
export function mailsAbout(mailDir, to, number) {
  return mails(mailDir).filter((m) => m.to.includes(to) && m.subject.includes(number));
}

/**
 * Waits for the decision mail about order `number` to `to` and returns its link for
 * `aktion` ("bestaetigen" or "ablehnen") as a path on `portal`.
 */
export async function decisionLink(portal, to, number, aktion) {
  const link = await until(
    () => {
      for (const mail of mailsAbout(portal.mailDir, to, number).reverse()) {
        const l = mail.links.find((x) => x.includes("/api/entscheidung?") && x.includes(`aktion=${aktion}`));
        if (l) return l;
      }
      return null;
    },
    `keine E-Mail an ${to} zur Bestellung ${number} mit einem Entscheidungslink (aktion=${aktion}); im Mail-Ordner: ${mails(portal.mailDir).map((m) => `${m.to}: ${m.subject}`).join("; ") || "nichts"}`,
  );
  // Opened exactly as mailed: the link must point at the portal's public address.
  if (!link.startsWith(`${portal.url}/`)) {
    throw new Error(`Der Entscheidungslink zeigt nicht auf die Adresse des Portals (${portal.url}): ${link}`);
  }
  return link;
}

/**
 * Opens a decision link in `page` (the provider's or the intermediary's own browser, not
 * signed in) and confirms the order; returns the status the confirmation page shows.
 */
export async function confirmByLink(page, link, number) {
  await page.goto(link);
  await expectText(page.locator("h1"), `Bestellung ${number} entscheiden`);
  await page.getByRole("button", { name: "Bestellung verbindlich bestätigen" }).click();
  await expectText(page.locator("h1"), "Entscheidung gespeichert");
  return expectText(page.locator("main"), number);
}

/** Opens a "ablehnen" link and rejects with `reason`. */
export async function rejectByLink(page, link, number, reason) {
  await page.goto(link);
  await expectText(page.locator("h1"), `Bestellung ${number} entscheiden`);
  await page.getByLabel(/^Begründung/).fill(reason);
  await page.getByRole("button", { name: "Bestellung ablehnen" }).click();
  await expectText(page.locator("h1"), "Entscheidung gespeichert");
}

/** Fills the Bedarf form (static or the function's) without sending it. */
export async function fillNeed(page, need) {
  await page.getByLabel(/^Was brauchen Sie/).fill(need.title);
  await page.getByLabel(/^Beschreibung/).fill(need.description);
  if (need.category) await page.getByLabel(/^Kategorie/).selectOption({ label: need.category });
  if (need.users) await page.getByLabel(/^Erwartete Zahl/).fill(need.users);
  if (need.date) await page.getByLabel(/^Gewünschter Starttermin/).fill(need.date);
  if (need.phone) await page.getByLabel("Per Telefon").check();
}

/** A date `days` from today as YYYY-MM-DD (negative: in the past). */
export function isoDate(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** The confirmation page after a Bedarf was sent. */
export async function expectNeedConfirmed(page) {
  await page.waitForURL(/\/api\/hinweis\/bedarf-gemeldet$/);
  await expectText(page.locator("h1"), "Vielen Dank für Ihre Meldung");
  await expectText(page.locator("main"), "Ihr Bedarf ist beim Betreiberteam eingegangen");
}

/** The lines of `csp-function admin needs` that mention `title`. */
export async function listedNeeds(portal, title) {
  const out = await portal.admin("needs");
  return { out, lines: out.split("\n").filter((l) => l.includes(title)) };
}
