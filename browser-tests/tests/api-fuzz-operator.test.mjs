// The operator console under schemathesis, signed in as the operator: the sample account
// `csp serve` creates (konsole@betrieb.example) accepts its invitation, sets a password and
// the mandatory second factor (TOTP computed as an authenticator app does), and every
// operation under /api/betrieb/ is called with generated input, with the session cookie, the
// portal's Origin, the session's CSRF token (as the `X-CSRF-Token` header, which the forms
// accept in place of the hidden field: schemathesis generates the form fields itself and
// would send a random `csrf`) and `Accept: text/html`, so the console's HTML pages and forms
// answer, not their JSON. No answer may be a server error (5xx). Afterwards the stored data
// is intact: the sample organisations with their first Hauptadmin, a customer's order placed
// before, the customer's and the operator's accounts, and the portal still answers.
// CSP_FUZZ_OPERATOR_EXAMPLES sets the examples per operation (few: the suite stays short).
import { test } from "node:test";
import assert from "node:assert/strict";
import { expectText, journey, openPage } from "../lib/browser.mjs";
import { schemathesis, testedCases } from "../lib/fuzz.mjs";
import { setPasswordFromInvitation, signInSettingUpSecondFactor } from "../lib/members.mjs";
import { dmessengerOrder, fillOrderForm, submitOrder } from "../lib/orders.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { signUpAndSignIn } from "../lib/signup.mjs";

const EXAMPLES = process.env.CSP_FUZZ_OPERATOR_EXAMPLES || "8";
const operator = { email: "konsole@betrieb.example", password: "Ein langer Satz als Passwort für den Fuzz-Lauf 2026" };

const env = portalAndBrowser("api-fuzz-betrieb");

/** The cookies of a page's context as one Cookie header. */
async function cookieOf(page, portal) {
  return (await page.context().cookies(portal.url)).map((c) => `${c.name}=${c.value}`).join("; ");
}

/** GET as JSON with a session; the status and the parsed body. */
async function getJson(portal, path, cookie) {
  const response = await fetch(`${portal.url}${path}`, { headers: { cookie, accept: "application/json" } });
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** What must survive the fuzzing: the party organisations as the operator's list shows them. */
function partyOrgs(list) {
  return list.organisationen.map((o) => ({ id: o.id, name: o.name, anbieter: o.anbieter, hauptadmin: o.hauptadmin, einladung: o.einladung }));
}

test("Betriebskonsole: kein Serverfehler bei erzeugten Anfragen mit der Sitzung des Betreiberkontos, danach alles unversehrt", async (t) => {
  const { portal, browser } = env;

  // A customer with an order, so the fuzzing meets stored orders.
  const customerPage = await openPage(browser);
  const customerStep = journey(customerPage, "Kunde bestellt vor dem Fuzzing");
  const customer = await signUpAndSignIn(customerPage, portal, customerStep);
  let order;
  await customerStep("dMessenger bestellen", async () => {
    await customerPage.goto(`${portal.url}/bestellen/dmessenger/`);
    await fillOrderForm(customerPage, dmessengerOrder(customer));
    order = await submitOrder(customerPage);
  });
  const customerCookie = await cookieOf(customerPage, portal);

  // The operator: invitation from the mail folder, password, second factor.
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Betreiberkonto für das Fuzzing");
  await step("Einladung annehmen, Passwort festlegen, zweiten Faktor einrichten", async () => {
    await setPasswordFromInvitation(page, portal, operator);
    await signInSettingUpSecondFactor(page, portal, operator);
  });
  const cookie = await cookieOf(page, portal);
  const session = await getJson(portal, "/api/sitzung", cookie);
  assert.ok(session.body.csrf, `/api/sitzung nennt kein CSRF-Token: ${JSON.stringify(session.body)}`);
  const headers = [`Cookie: ${cookie}`, `Origin: ${portal.url}`, `X-CSRF-Token: ${session.body.csrf}`, "Accept: text/html"];

  // The headers get a console form past the session, origin and CSRF checks: an empty
  // "Anbieterorganisation anlegen" is answered with the messages at its fields, not 403.
  const probe = await fetch(`${portal.url}/api/betrieb/anbieter`, {
    method: "POST",
    headers: Object.fromEntries(headers.map((h) => h.split(/: (.*)/s).slice(0, 2))),
    body: new URLSearchParams({}),
    redirect: "manual",
  });
  assert.equal(probe.status, 422, "die Kopfzeilen bringen das Formular nicht durch Sitzung, Herkunft und CSRF-Prüfung");

  const before = await getJson(portal, "/api/betrieb/anbieter", cookie);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  const orgsBefore = partyOrgs(before.body);
  assert.ok(orgsBefore.some((o) => o.anbieter === "dataport"), `die Beispiel-Anbieterorganisation fehlt: ${JSON.stringify(orgsBefore)}`);
  const orderBefore = await getJson(portal, new URL(order.url).pathname, customerCookie);
  assert.equal(orderBefore.status, 200, JSON.stringify(orderBefore.body));

  // The routes also take the operator's bearer token; a generated Authorization header would
  // make them ignore the session (and answer 401), so schemathesis generates none here.
  const output = await schemathesis(portal, headers, ["--include-path-regex", "^/api/betrieb/", "--generation-with-security-parameters", "false"], {
    examples: EXAMPLES,
  });
  assert.ok(testedCases(output) > 0, `schemathesis hat nichts getestet:\n${output}`);
  t.diagnostic(`schemathesis: ${testedCases(output)} erzeugte Anfragen an /api/betrieb/ mit der Sitzung`);
  assert.doesNotMatch(output, /Authentication failed/, `nur 401/403, die Sitzung wirkte nicht:\n${output}`);

  // Afterwards: the operator is still signed in with the same session and sees the console.
  const after = await getJson(portal, "/api/sitzung", cookie);
  assert.equal(after.body.angemeldet, true, "die Sitzung des Betreiberkontos endete während des Laufs");
  const list = await getJson(portal, "/api/betrieb/anbieter", cookie);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  // Every organisation listed before is there unchanged (the fuzzing may add one: creating
  // a provider's organisation with valid generated input is the form's purpose).
  const orgsAfter = partyOrgs(list.body);
  for (const org of orgsBefore) {
    assert.deepEqual(orgsAfter.find((o) => o.id === org.id), org, `verändert: ${org.name}`);
  }
  // The customer's order and account are untouched.
  const orderAfter = await getJson(portal, new URL(order.url).pathname, customerCookie);
  assert.equal(orderAfter.status, 200, JSON.stringify(orderAfter.body));
  assert.deepEqual(orderAfter.body, orderBefore.body, "die Bestellung hat sich verändert");
  await customerPage.goto(`${portal.url}/api/konto`);
  await expectText(customerPage.locator("h1"), "Ihr Konto");
  await expectText(customerPage.locator("main"), customer.organisation);
  // The operator's account still signs in, with the second factor asked.
  const fresh = await openPage(browser, { javaScript: false });
  await fresh.goto(`${portal.url}/anmelden/`);
  await fresh.getByLabel(/^E-Mail-Adresse/).fill(operator.email);
  await fresh.getByLabel(/^Passwort/).fill(operator.password);
  await fresh.getByRole("main").getByRole("button", { name: "Anmelden" }).click();
  await expectText(fresh.locator("main"), /Bestätigungscode/);
  // The portal's pages still answer.
  const home = await fetch(`${portal.url}/`);
  assert.equal(home.status, 200);
});
