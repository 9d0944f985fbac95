// Journey 1: a visitor browses the catalog, filters, sorts, keeps a Merkliste and compares.
import { test } from "node:test";
import { expectText, expectVisible, journey, openPage, until } from "../lib/browser.mjs";
import { portalAndBrowser } from "../lib/setup.mjs";

const env = portalAndBrowser("besucher");

/** "ab 1.234,50 €" → 1234.5, "kostenfrei" → 0, "Preis auf Anfrage" → Infinity. */
function price(text) {
  if (/kostenfrei/i.test(text)) return 0;
  const m = text.match(/([\d.]+,\d{2})\s*€/);
  return m ? Number(m[1].replace(/\./g, "").replace(",", ".")) : Infinity;
}

async function tiles(page) {
  return page.locator("#tiles > li.tile").evaluateAll((items) =>
    items.map((li) => ({
      name: li.querySelector("h3").textContent.trim(),
      type: li.querySelector(".tag").textContent.trim(),
      price: li.querySelector(".tile-price strong").textContent.trim(),
    })),
  );
}

test("Journey 1: Besucher – Kategorie, Filter, Sortierung, Merkliste, Vergleich", async () => {
  const { portal, browser } = env;
  const page = await openPage(browser);
  const step = journey(page, "Besucher");
  const count = page.locator("#result-count");
  const header = page.getByRole("banner");
  const counter = header.locator("[data-watch-count]");

  await step("Startseite öffnen", async () => {
    await page.goto(`${portal.url}/`);
    await expectText(page.locator("h1"), "Cloud-Services für die öffentliche Verwaltung");
    await expectText(counter, /^0/);
  });

  await step("Kategorie „Zentrale Dienste“ auf der Startseite wählen", async () => {
    await page.getByRole("region", { name: "Portfolio-Kategorien" }).getByRole("link", { name: /Zentrale Dienste/ }).click();
    await page.waitForURL(/\/cloud-services\/kategorie\/zentrale-dienste\/$/);
    await expectText(page.locator("h1"), "Zentrale Dienste");
    await expectText(count, /^7 Cloud-Services/);
    const shown = await page.locator("#tiles > li").count();
    if (shown !== 7) throw new Error(`7 Kacheln erwartet, ${shown} gezeigt`);
  });

  await step("Diese Auswahl in der Übersicht weiter filtern", async () => {
    await page.getByRole("link", { name: "Diese Auswahl weiter filtern und sortieren" }).click();
    await page.waitForURL(/\/cloud-services\/\?kategorie=zentrale-dienste$/);
    await expectText(count, /^7 Cloud-Services/);
    const value = await page.getByLabel("Kategorie").inputValue();
    if (value !== "zentrale-dienste") throw new Error(`Kategorie-Filter steht auf „${value}“`);
  });

  await step("Nach Serviceart SaaS filtern: Adresse und Anzahl ändern sich", async () => {
    await page.getByLabel("Serviceart").selectOption("saas");
    await until(() => /typ=saas/.test(page.url()), "die Adresse enthält typ=saas nicht");
    await expectText(count, /^5 Cloud-Services/);
    const list = await tiles(page);
    if (list.length !== 5 || list.some((t) => t.type !== "SaaS")) {
      throw new Error(`5 SaaS-Kacheln erwartet: ${JSON.stringify(list)}`);
    }
  });

  await step("Nach Vertragsmodell Direktvertrag filtern: Adresse und Anzahl ändern sich", async () => {
    await page.getByLabel("Vertragsmodell").selectOption("direktvertrag");
    await until(() => /vertragsmodell=direktvertrag/.test(page.url()) && /typ=saas/.test(page.url()), "die Adresse enthält nicht beide Filter");
    await expectText(count, /^4 Cloud-Services/);
    if ((await page.locator("#tiles > li").count()) !== 4) throw new Error("4 Kacheln erwartet");
  });

  await step("Nach Preis sortieren: der günstigste zuerst", async () => {
    const before = (await tiles(page)).map((t) => t.name);
    await page.getByLabel("Sortierung").selectOption("preis");
    await until(() => /sortierung=preis/.test(page.url()), "die Adresse enthält sortierung=preis nicht");
    const list = await until(async () => {
      const now = await tiles(page);
      return now.map((t) => t.name).join() !== before.join() ? now : null;
    }, `die Reihenfolge ändert sich nicht (${before.join(", ")})`);
    const prices = list.map((t) => price(t.price));
    for (let i = 1; i < prices.length; i++) {
      if (prices[i] < prices[i - 1]) throw new Error(`nicht aufsteigend: ${list.map((t) => `${t.name} ${t.price}`).join("; ")}`);
    }
    if (list[0].name !== "Zentrale Siegelinfrastruktur (ZeSI)") throw new Error(`erste Kachel: ${list[0].name}`);
  });

  await step("Gefilterte Adresse neu laden: Filter und Sortierung bleiben", async () => {
    await page.reload();
    await expectText(count, /^4 Cloud-Services/);
    if ((await page.getByLabel("Sortierung").inputValue()) !== "preis") throw new Error("Sortierung ging verloren");
    await expectText(page.locator("#tiles > li").first().locator("h3"), "Zentrale Siegelinfrastruktur (ZeSI)");
  });

  await step("Produktseite öffnen", async () => {
    await page.getByRole("link", { name: "Zentrale Siegelinfrastruktur (ZeSI)" }).click();
    await page.waitForURL(/\/cloud-services\/zesi\/$/);
    await expectText(page.locator("h1"), "Zentrale Siegelinfrastruktur (ZeSI)");
    await expectVisible(page.getByRole("link", { name: "Zur Bestellung" }), "„Zur Bestellung“");
  });

  await step("Auf die Merkliste setzen: der Zähler in der Kopfzeile steigt", async () => {
    const button = page.getByRole("button", { name: "Auf die Merkliste" });
    await button.click();
    await until(async () => (await button.getAttribute("aria-pressed")) === "true", "Schaltfläche nicht gedrückt");
    await expectText(counter, /^1 Eintrag/);
  });

  await step("Neu laden: die Merkliste bleibt", async () => {
    await page.reload();
    await expectText(counter, /^1 Eintrag/);
    const pressed = await page.getByRole("button", { name: "Auf die Merkliste" }).getAttribute("aria-pressed");
    if (pressed !== "true") throw new Error("nach dem Neuladen nicht mehr gemerkt");
  });

  await step("Merkliste zeigt das Angebot", async () => {
    await header.getByRole("link", { name: /Merkliste/ }).click();
    await expectText(page.locator("h1"), "Merkliste");
    await expectText(page.locator("[data-watch-view]"), "1 Service auf Ihrer Merkliste");
    await expectVisible(page.locator("[data-watch-view]").getByRole("link", { name: "Zentrale Siegelinfrastruktur (ZeSI)" }), "gemerktes Angebot");
    // From the Merkliste straight to the order form, as the FAQ promises.
    const order = page.locator("[data-watch-view]").getByRole("link", { name: /^Bestellen\b.*ZeSI/ });
    await expectVisible(order, "„Bestellen“ auf der Merkliste");
    if ((await order.getAttribute("href")) !== "/bestellen/zesi/") throw new Error(`„Bestellen“ führt zu ${await order.getAttribute("href")}`);
  });

  await step("Zwei Angebote zum Vergleich wählen", async () => {
    await page.goto(`${portal.url}/cloud-services/zesi/`);
    await page.getByRole("button", { name: "Zum Vergleich" }).click();
    // The product page itself leads on to the comparison.
    await expectText(page.locator("#compare-bar"), "1 Service zum Vergleich gewählt");
    await expectVisible(page.locator("#compare-bar").getByRole("link", { name: "Jetzt vergleichen" }), "„Jetzt vergleichen“ auf der Produktseite");
    await page.goto(`${portal.url}/cloud-services/kategorie/zentrale-dienste/`);
    // The script adds the tiles' buttons; they show at once what is already chosen.
    const chosen = page.getByRole("button", { name: /Vergleichen\b.*ZeSI/ });
    if ((await chosen.getAttribute("aria-pressed")) !== "true") throw new Error("ZeSI-Kachel zeigt die Wahl zum Vergleich nicht");
    const watched = page.getByRole("button", { name: /Merken\b.*ZeSI/ });
    if ((await watched.getAttribute("aria-pressed")) !== "true") throw new Error("ZeSI-Kachel zeigt die Merkliste nicht");
    await page.getByRole("button", { name: /^Vergleichen\b.*dDatabox/ }).click();
    await expectText(page.locator("#compare-bar"), "2 Services zum Vergleich gewählt");
  });

  await step("Vergleich öffnen: beide Angebote nebeneinander", async () => {
    await page.getByRole("link", { name: "Jetzt vergleichen" }).click();
    await page.waitForURL(/\/vergleich\/\?ids=/);
    await expectText(page.locator("h1"), "Cloud-Services vergleichen");
    const table = page.getByRole("table", { name: "Vergleich der gewählten Cloud-Services" });
    await expectVisible(table, "Vergleichstabelle");
    const columns = await table.locator("thead th").allTextContents();
    if (columns.length !== 2 || !columns.includes("Zentrale Siegelinfrastruktur (ZeSI)") || !columns.includes("dDatabox")) {
      throw new Error(`Spalten: ${JSON.stringify(columns)}`);
    }
    await expectText(table.getByRole("row", { name: /^Anbieter/ }), /Informationstechnikzentrum Bund.*Dataport/);
    await expectVisible(page.getByRole("link", { name: "dDatabox bestellen" }), "„dDatabox bestellen“");
  });
  await step("Preise im Vergleich: „netto“ nur neben einem Betrag", async () => {
    await page.goto(`${portal.url}/vergleich/?ids=terminfinder,ddatabox`);
    const prices = page.getByRole("table", { name: "Vergleich der gewählten Cloud-Services" }).getByRole("row", { name: /^Preis/ }).locator("td");
    await expectText(prices.nth(0), /^kostenfrei/);
    const [free, paid] = await prices.allTextContents();
    if (/netto/.test(free)) throw new Error(`Terminfinder: „${free}“`);
    if (!/€ netto/.test(paid)) throw new Error(`dDatabox: „${paid}“`);
  });
  await page.context().close();
});
