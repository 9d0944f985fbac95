// Debian's Chromium, headless, driven by playwright-core (never a downloaded browser), and
// what a failing journey step prints: the step, the URL, the heading, the visible error
// texts and a screenshot.
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { OUTPUT } from "./portal.mjs";

export const CHROMIUM = process.env.CSP_CHROMIUM || "/usr/bin/chromium";

// The flags this machine needs (closed network: no background connections, no QUIC).
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 740 };
export const NARROW = { width: 320, height: 640 };

/**
 * Launches Chromium. playwright's launch() gives it a new, empty profile of its own
 * (`--user-data-dir` in a fresh temporary folder, removed on close), and every context
 * opened on it starts without cookies or storage.
 */
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} fehlt: scripts/browser-test installiert Debians chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/**
 * A new browsing context (cookies, storage) and a page on it. `storageState` (from
 * `context.storageState()`) carries a session over, e.g. into a context without JavaScript.
 */
export async function openPage(browser, { javaScript = true, viewport = DESKTOP, storageState } = {}) {
  const context = await browser.newContext({
    javaScriptEnabled: javaScript,
    viewport,
    locale: "de-DE",
    reducedMotion: "reduce",
    acceptDownloads: true,
    ...(storageState ? { storageState } : {}),
  });
  // `csp serve` injects a live-reload client that reloads every open page when someone
  // edits content/ or themes/: a test must see the pages it opened, so the client gets a
  // 204 (an EventSource does not reconnect after that).
  await context.route("**/__csp/events", (route) => route.fulfill({ status: 204, body: "" }));
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  page.javaScriptEnabled = javaScript;
  page.consoleErrors = [];
  page.on("pageerror", (e) => page.consoleErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") page.consoleErrors.push(m.text());
  });
  return page;
}

function safeName(text) {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 80);
}

/** What the person sees right now: URL, heading, error texts, a screenshot. */
export async function describePage(page, label) {
  const lines = [];
  try {
    lines.push(`  URL: ${page.url()}`);
    const seen = await page.evaluate(() => {
      const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
      const text = (e) => e.textContent.replace(/\s+/g, " ").trim();
      const h1 = document.querySelector("h1");
      const errors = Array.from(
        document.querySelectorAll(".error-summary, .field-error, .error-message, [role=alert], .notice, [role=status]"),
      )
        .filter(visible)
        .map(text)
        .filter(Boolean);
      const main = document.querySelector("main") || document.body;
      return {
        title: document.title,
        h1: h1 ? text(h1) : "(keine Überschrift h1)",
        errors: Array.from(new Set(errors)).slice(0, 12),
        main: main ? text(main).slice(0, 400) : "",
        focus: document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : "",
      };
    });
    lines.push(`  Titel: ${seen.title}`);
    lines.push(`  Überschrift: ${seen.h1}`);
    if (seen.errors.length) lines.push(`  Sichtbare Meldungen:\n${seen.errors.map((e) => `    - ${e}`).join("\n")}`);
    lines.push(`  Fokus: ${seen.focus}`);
    lines.push(`  Inhalt: ${seen.main}`);
  } catch (e) {
    lines.push(`  (Seite nicht lesbar: ${e.message.split("\n")[0]})`);
  }
  if (page.consoleErrors && page.consoleErrors.length) {
    lines.push(`  Fehler in der Konsole: ${page.consoleErrors.slice(-5).join(" | ")}`);
  }
  try {
    const dir = path.join(OUTPUT, "failures");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${safeName(label)}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
    lines.push(`  Bildschirmfoto: ${path.relative(process.cwd(), file)}`);
  } catch (e) {
    lines.push(`  (kein Bildschirmfoto: ${e.message.split("\n")[0]})`);
  }
  return lines.join("\n");
}

/**
 * Steps of one journey. A failing step throws an error that names the journey and the step
 * and tells what the page showed.
 *   const step = journey(page, "Besucher");
 *   await step("Startseite öffnen", async () => { ... });
 */
export function journey(page, name) {
  let n = 0;
  const step = async (label, fn) => {
    n += 1;
    try {
      return await fn();
    } catch (error) {
      const shown = await describePage(step.page || page, `${name}-${n}-${label}`);
      const wrapped = new Error(
        `Journey „${name}“, Schritt ${n} „${label}“ ist fehlgeschlagen:\n  ${String(error.message).split("\n").slice(0, 6).join("\n  ")}\nDie Seite zeigte:\n${shown}`,
      );
      wrapped.stack = wrapped.message;
      throw wrapped;
    }
  };
  step.page = page;
  return step;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value; fails with `message` and the last value. */
export async function until(probe, message, { timeout = 8_000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = `Fehler: ${e.message.split("\n")[0]}`;
    }
    if (Date.now() > deadline) {
      throw new Error(`${message} (zuletzt: ${JSON.stringify(last)})`);
    }
    await sleep(interval);
  }
}

/** Waits until the (normalised) text of `locator` matches `pattern`; returns the text. */
export async function expectText(locator, pattern, { timeout = 8_000 } = {}) {
  let text = "";
  await until(
    async () => {
      text = ((await locator.first().textContent({ timeout: 1_000 })) || "").replace(/\s+/g, " ").trim();
      return pattern instanceof RegExp ? pattern.test(text) : text.includes(pattern);
    },
    `Text ${pattern} nicht gefunden in ${locator}: „${text}“`,
    { timeout },
  );
  return text;
}

/** Waits until `locator` is visible. */
export async function expectVisible(locator, what, { timeout = 8_000 } = {}) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch {
    throw new Error(`${what} ist nicht sichtbar (${locator})`);
  }
}

/** The accessible focus target right now: id, tag and text. */
export async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return e ? { id: e.id, tag: e.tagName.toLowerCase(), name: e.getAttribute("name"), text: e.textContent.trim().slice(0, 80) } : null;
  });
}
