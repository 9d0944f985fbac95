// Journey 3 (customer), first half: register the organisation with JavaScript on (the human
// check solves in the browser), confirm the address from the mail folder, the operator
// approves with the admin command, set the password, sign in; the header shows it.
//
// The second half (Bedarf melden, order with options and the Umklappvertrag, the provider's
// decision, the PDF) builds on lib/signup.mjs's signUpAndSignIn() once the function's order
// routes are in.
import { test } from "node:test";
import { expectText, expectVisible, journey, openPage, until } from "../lib/browser.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";
import { newCustomer, signUpAndSignIn } from "../lib/signup.mjs";

const env = portalAndBrowser("kunde");

test("Journey 3: Kunde registriert die Organisation und meldet sich an", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Kunde");
  const customer = await signUpAndSignIn(page, portal, step, newCustomer());

  await step("„Ihr Konto“ zeigt Person und Organisation", async () => {
    await page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }).click();
    await page.waitForURL(/\/api\/konto/);
    const main = page.getByRole("main");
    await expectText(main, customer.name);
    await expectText(main, customer.email);
    await expectText(main, customer.organisation);
  });
  await step("Angemeldet bleiben beim Neuladen einer statischen Seite", async () => {
    await page.goto(`${portal.url}/cloud-services/`);
    await expectVisible(page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }), "„Ihr Konto“ in der Kopfzeile");
  });
  await step("Abmelden: die Kopfzeile zeigt wieder „Anmelden“", async () => {
    await page.getByRole("banner").getByRole("link", { name: "Abmelden" }).click();
    await page.getByRole("main").getByRole("button", { name: "Abmelden" }).click();
    await until(async () => !/\/api\/abmeldung$/.test(page.url()) || (await page.locator("h1").textContent()) !== "Abmelden", "keine Seite nach dem Abmelden");
    await page.goto(`${portal.url}/`);
    await expectVisible(page.getByRole("banner").getByRole("link", { name: "Anmelden", exact: true }), "„Anmelden“ in der Kopfzeile");
    if (await page.getByRole("banner").getByRole("link", { name: /Ihr Konto/ }).isVisible()) throw new Error("„Ihr Konto“ noch sichtbar");
  });
  await page.context().close();
});
