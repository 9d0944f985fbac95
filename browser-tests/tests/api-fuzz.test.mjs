// The function's HTTP API under schemathesis (PyPI, installed by scripts/browser-test): every
// operation of /api/openapi.json is called with generated input, valid and invalid, and no
// answer may be a server error (5xx). Five passes, each with the credentials its routes
// expect, so the generated requests get past the sign-in and reach the handlers:
//   - a signed-in customer (session cookie, the portal's Origin and the CSRF token),
//   - a signed-in provider (the sample Dataport account) on Eingegangene Bestellungen and
//     Eingegangene Interessenbekundungen,
//   - the operator (bearer token) on /api/betrieb/,
//   - a provider (bearer token) on /api/partner/,
//   - nobody, on every route.
// (The operator's session on the console's HTML routes: api-fuzz-operator.test.mjs.)
// The seed is fixed so a failure in CI can be repeated; CSP_FUZZ_SEED picks another one and
// CSP_FUZZ_EXAMPLES the number of examples per operation.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { openPage, journey } from "../lib/browser.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { signUpAndSignIn } from "../lib/signup.mjs";
import { accept } from "../lib/members.mjs";
import { schemathesis, testedCases } from "../lib/fuzz.mjs";

const OPERATOR_TOKEN = "fuzz-operator-token-0123456789abcdef";
// Read by `csp serve` when it starts the function (one process per test file).
process.env.CSP_OPERATOR_TOKEN = OPERATOR_TOKEN;

const env = portalAndBrowser("api-fuzz");

test("API: kein Serverfehler bei erzeugten Anfragen, angemeldet, als Betrieb, als Anbieter und ohne Anmeldung", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "API-Fuzzing");
  await signUpAndSignIn(page, portal, step);
  const cookies = await page.context().cookies(portal.url);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const session = await (await fetch(`${portal.url}/api/sitzung`, { headers: { cookie, accept: "application/json" } })).json();
  assert.ok(session.csrf, `/api/sitzung nennt kein CSRF-Token: ${JSON.stringify(session)}`);
  // The admin command finds the provider in the catalog snapshot `csp serve` built.
  process.env.CSP_CATALOG = path.join(portal.stateDir, "function-data", "catalog.json");
  const partnerToken = (await portal.admin("api-token", "--provider", "dataport")).trim().split(/\s+/).pop();
  const origin = `Origin: ${portal.url}`;

  // Signing out would end the session the pass needs; it runs in the anonymous pass.
  const customer = await schemathesis(portal, [`Cookie: ${cookie}`, origin, `X-CSRF-Token: ${session.csrf}`], [
    "--exclude-path-regex",
    "^/api/(abmeldung|betrieb/|partner/|konto/eingegangene-(bestellungen|interessen)|konto/kennzahlen)",
  ]);
  // The console of a provider, signed in as the sample provider's account `csp serve` made.
  const providerPage = await openPage(browser);
  await accept(providerPage, portal, { email: "konsole@dataport.example", password: "Ein langer Satz als Passwort für die Konsole 2026" }, "Dataport");
  const providerCookie = (await providerPage.context().cookies(portal.url)).map((c) => `${c.name}=${c.value}`).join("; ");
  const providerSession = await (await fetch(`${portal.url}/api/sitzung`, { headers: { cookie: providerCookie, accept: "application/json" } })).json();
  const console_ = await schemathesis(portal, [`Cookie: ${providerCookie}`, origin, `X-CSRF-Token: ${providerSession.csrf}`], [
    "--include-path-regex",
    "^/api/konto/(eingegangene-(bestellungen|interessen)|kennzahlen)",
  ]);
  const stillSignedIn = await (await fetch(`${portal.url}/api/sitzung`, { headers: { cookie, accept: "application/json" } })).json();
  assert.equal(stillSignedIn.angemeldet, true, "die Sitzung endete während des angemeldeten Laufs");

  // The operator console's own routes (Bedarfe CSV and marks, Organisationen, Anbieterorganisationen,
  // Zweiten Faktor zurücksetzen) answer only a signed-in operator's session, never the bearer token:
  // they are left out of this pass (api-fuzz-operator.test.mjs fuzzes them with an operator's session).
  const operator = await schemathesis(portal, [`Authorization: Bearer ${OPERATOR_TOKEN}`], [
    "--include-path-regex",
    "^/api/betrieb/",
    "--exclude-path-regex",
    "^/api/betrieb/(bedarfe\\.csv|bedarfe/|organisationen|anbieter|zwei-faktor)",
  ]);
  const partner = await schemathesis(portal, [`Authorization: Bearer ${partnerToken}`], ["--include-path-regex", "^/api/partner/"]);
  const anonymous = await schemathesis(portal, [origin], []);
  for (const [name, output] of Object.entries({ customer, console: console_, operator, partner, anonymous })) {
    assert.ok(testedCases(output) > 0, `${name}: schemathesis hat nichts getestet:\n${output}`);
  }
  // With credentials, the generated requests must reach the handlers, not only the sign-in.
  for (const [name, output] of Object.entries({ customer, console: console_, operator, partner })) {
    assert.doesNotMatch(output, /Authentication failed/, `${name}: nur 401/403, die Zugangsdaten wirkten nicht:\n${output}`);
  }
});
