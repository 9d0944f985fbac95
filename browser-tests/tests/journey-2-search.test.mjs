// Journey 2: search in the header, as you type and by submitting the form without
// JavaScript; a search without results offers "Bedarf melden" with the search words.
import { test } from "node:test";
import { expectText, expectVisible, journey, openPage, until } from "../lib/browser.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";

const env = portalAndBrowser("suche");

test("Journey 2a: Suche beim Tippen (mit JavaScript)", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Suche beim Tippen");
  const box = page.getByRole("searchbox", { name: "Cloud-Services durchsuchen" });
  const suggestions = page.locator("#suche-treffer");

  await step("Startseite öffnen", async () => {
    await page.goto(`${portal.url}/`);
    await expectVisible(box, "Suchfeld in der Kopfzeile");
  });
  await step("„messenger“ tippen: Vorschläge erscheinen, dMessenger dabei", async () => {
    await box.click();
    await box.pressSequentially("messenger", { delay: 40 });
    await expectVisible(suggestions, "Vorschläge unter dem Suchfeld");
    await expectVisible(suggestions.getByRole("link", { name: "dMessenger" }), "Vorschlag dMessenger");
    await expectText(page.getByRole("banner").getByRole("status"), /Vorschl/);
    // Still on the start page: nothing was submitted.
    if (new URL(page.url()).pathname !== "/") throw new Error(`Seite gewechselt: ${page.url()}`);
  });
  await step("Mit Pfeil nach unten zum Vorschlag, Enter öffnet die Produktseite", async () => {
    await box.press("ArrowDown");
    await until(async () => (await page.evaluate(() => document.activeElement.textContent)) === "dMessenger", "der Fokus steht nicht auf dem ersten Vorschlag");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/cloud-services\/dmessenger\/$/);
    await expectText(page.locator("h1"), "dMessenger");
  });
  await step("Escape schließt die Vorschläge", async () => {
    await box.fill("");
    await box.pressSequentially("kubernetes", { delay: 20 });
    await expectVisible(suggestions.getByRole("link", { name: /Kubernetes/ }), "Vorschlag Kubernetes");
    await box.press("Escape");
    await until(async () => !(await suggestions.isVisible()), "Vorschläge noch sichtbar");
  });
  await step("Formular absenden: Ergebnisseite mit dMessenger", async () => {
    await box.fill("messenger");
    await box.press("Enter");
    await page.waitForURL(/\/api\/suche\?q=messenger/);
    await expectText(page.locator("h1"), "Suche nach „messenger“");
    await expectText(page.locator(".result-count"), /Treffer/);
    await expectVisible(page.getByRole("main").getByRole("link", { name: "dMessenger" }), "Treffer dMessenger");
  });
  await step("Suche ohne Treffer beim Tippen: Link „Bedarf melden“", async () => {
    await page.goto(`${portal.url}/`);
    await box.pressSequentially("xylophonreparatur", { delay: 20 });
    await expectText(suggestions, "Keine Treffer");
    await suggestions.getByRole("link", { name: "Bedarf melden" }).click();
    await page.waitForURL(/\/bedarf-melden\//);
    await expectText(page.locator("h1"), "Bedarf melden");
    const value = await page.getByLabel(/^Was brauchen Sie/).inputValue();
    if (value !== "xylophonreparatur") throw new Error(`Feld „Was brauchen Sie?“ enthält „${value}“ statt der Suchwörter`);
  });
  await page.context().close();
});

test("Journey 2b: Suche ohne JavaScript und Suche ohne Treffer", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser, { javaScript: false });
  const step = journey(page, "Suche ohne JavaScript");
  const box = page.getByRole("searchbox", { name: "Cloud-Services durchsuchen" });

  await step("Startseite öffnen, „messenger“ eingeben und absenden", async () => {
    await page.goto(`${portal.url}/`);
    await box.fill("messenger");
    await page.getByRole("banner").getByRole("button", { name: "Suchen" }).click();
    await page.waitForURL(/\/api\/suche\?q=messenger/);
  });
  await step("Ergebnisseite zeigt dMessenger", async () => {
    await expectText(page.locator("h1"), "Suche nach „messenger“");
    await expectText(page.locator(".result-count"), /^\d+ Treffer/);
    await expectVisible(page.getByRole("main").getByRole("link", { name: "dMessenger" }), "Treffer dMessenger");
  });
  await step("Treffer nach Servicetyp eingrenzen (Link, ohne JavaScript)", async () => {
    await page.getByRole("main").getByRole("link", { name: "SaaS" }).first().click();
    await page.waitForURL(/typ=saas/);
    await expectVisible(page.getByRole("main").getByRole("link", { name: "dMessenger" }), "Treffer dMessenger");
  });
  await step("Treffer öffnen", async () => {
    await page.getByRole("main").getByRole("link", { name: "dMessenger" }).click();
    await expectText(page.locator("h1"), "dMessenger");
  });
  await step("Suche ohne Treffer bietet „Bedarf melden“ mit den Suchwörtern an", async () => {
    await box.fill("xylophonreparatur");
    await box.press("Enter");
    await page.waitForURL(/\/api\/suche\?q=xylophonreparatur/);
    await expectText(page.locator(".result-count"), "Keine Treffer");
    const link = page.getByRole("main").getByRole("link", { name: "Bedarf melden" });
    const href = await link.getAttribute("href");
    if (!/\/bedarf-melden\/\?titel=xylophonreparatur$/.test(href)) throw new Error(`Link „Bedarf melden“ zeigt auf ${href}`);
    await link.click();
    await expectText(page.locator("h1"), "Bedarf melden");
  });
  await page.context().close();
});
