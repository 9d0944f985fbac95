// axe-core (npm) injected into the page, run with the WCAG 2.0/2.1 A and AA rules; the
// 320 px reflow check; screenshots for reviewers.
import fs from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { createRequire } from "node:module";
import { DESKTOP, NARROW, PHONE, journey } from "./browser.mjs";
import { OUTPUT } from "./portal.mjs";

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
// With axe's best practices (heading order, landmarks, one main, …): what auditors check
// beyond the letter of WCAG.
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** Runs axe-core on the page as it is now; returns its violations. */
export async function axeViolations(page) {
  if (page.javaScriptEnabled === false) {
    // With JavaScript disabled, Chromium runs evaluate() and promises but never fires a
    // timer, observer or message callback, and axe waits on them: they become microtasks
    // for the audit. The page's own
    // scripts never ran, so the DOM is the one a person without JavaScript gets, with its
    // <noscript> content.
    await page.evaluate(() => {
      if (window.__cspTimersShimmed) return;
      window.__cspTimersShimmed = true;
      let next = 1;
      const cancelled = new Set();
      window.setTimeout = (fn, _ms, ...args) => {
        const id = next++;
        // (queueMicrotask() is a script callback too; promise reactions do run.)
        Promise.resolve().then(() => {
          if (!cancelled.delete(id) && typeof fn === "function") fn(...args);
        });
        return id;
      };
      window.clearTimeout = (id) => cancelled.add(id);
      window.requestAnimationFrame = (fn) => window.setTimeout(() => fn(performance.now()));
      window.cancelAnimationFrame = window.clearTimeout;
      // Observers and message ports are script callbacks too: axe's helpers fall back to
      // the timers above without them.
      window.MutationObserver = undefined;
      window.WebKitMutationObserver = undefined;
      window.MessageChannel = undefined;
    });
  }
  return runAxe(page);
}

async function runAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(" "),
        html: n.html.length > 300 ? `${n.html.slice(0, 300)}…` : n.html,
        summary: (n.failureSummary || "").replace(/\s+/g, " ").trim(),
      })),
    }));
  }, AXE_TAGS);
}

/** One line per violation and element: rule, impact, target, html. */
export function formatViolations(violations) {
  return violations
    .map((v) =>
      [`  ${v.id} (${v.impact}): ${v.help}`]
        .concat(v.nodes.map((n) => `    - ${n.target}\n      ${n.html}\n      ${n.summary}`))
        .join("\n"),
    )
    .join("\n");
}

/** How much wider than the window the page is (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const over = doc.scrollWidth - window.innerWidth;
    if (over <= 0) return { over: 0, culprits: [] };
    // Name the widest elements that stick out, for the failure message.
    const culprits = Array.from(document.body.querySelectorAll("*"))
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.right > window.innerWidth + 1 && r.width > 0)
      .sort((a, b) => b.r.right - a.r.right)
      .slice(0, 5)
      .map(({ e, r }) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className && typeof e.className === "string" ? `.${e.className.trim().split(/\s+/).join(".")}` : ""} (rechter Rand ${Math.round(r.right)} px)`);
    return { over, scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, culprits };
  });
}

export const SCREENSHOTS = path.join(OUTPUT, "screenshots");

/** Saves a full-page screenshot as output/screenshots/<name>-<width>.png. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize().width;
  const file = path.join(SCREENSHOTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: "disabled", timeout: 15_000 });
  return file;
}

/**
 * Opens one page type (a journey step, so a failure shows the page), takes screenshots at
 * 1280 and 375 px, runs axe-core (zero WCAG 2.1 A/AA violations) and checks for sideways
 * scrolling at 320 px, as two subtests of `t`. Adds a line to `results` for the summary.
 */
async function auditOne(t, type, { pageOf, baseUrl, results }) {
  const page = await pageOf(type.kind || "js");
  await page.setViewportSize(DESKTOP);
  const step = journey(page, `Audit ${type.name}`);
  await step("Seite öffnen", () => type.open(page));
  // (Decision tokens shortened: the summary names the page, not the link.)
  const url = page.url().replace(baseUrl(), "").replace(/token=[^&]+/, "token=…");
  await screenshot(page, type.slug);
  const violations = await axeViolations(page);
  await page.setViewportSize(PHONE);
  await screenshot(page, type.slug);
  await page.setViewportSize(NARROW);
  const overflow = await horizontalOverflow(page);
  await page.setViewportSize(DESKTOP);
  results.push({
    type: type.name,
    url,
    fn: !!type.fn,
    axe: violations.length ? violations.map((v) => `${v.id} (${v.nodes.length})`).join(", ") : "0 Verstöße",
    narrow: overflow.over > 0 ? `${overflow.over} px zu breit` : "ok",
  });

  await t.test("axe-core: keine Verstöße gegen WCAG 2.1 A/AA", () => {
    if (violations.length) {
      throw new Error(
        `${violations.length} axe-Verstoß/Verstöße auf ${url}${type.fn ? " (Seite der Funktion)" : ""}:\n${formatViolations(violations)}`,
      );
    }
  });
  await t.test("320 px: kein waagrechtes Scrollen", () => {
    if (overflow.over > 0) {
      throw new Error(
        `${url} ist bei 320 px ${overflow.over} px breiter als das Fenster (scrollWidth ${overflow.scrollWidth}):\n  ${overflow.culprits.join("\n  ")}`,
      );
    }
  });
}

/**
 * The URL paths in the site's sitemap.xml (as `csp serve` serves it), read with the
 * browser's XML parser.
 */
export async function sitemapPaths(page, baseUrl) {
  const res = await fetch(`${baseUrl}/sitemap.xml`);
  if (!res.ok) throw new Error(`${baseUrl}/sitemap.xml antwortete ${res.status}`);
  const xml = await res.text();
  const locs = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) return null;
    return Array.from(doc.getElementsByTagNameNS("*", "loc"), (loc) => loc.textContent.trim());
  }, xml);
  if (!locs || !locs.length) throw new Error(`${baseUrl}/sitemap.xml enthält keine <loc>-Einträge`);
  return locs.map((loc) => new URL(loc).pathname);
}

/**
 * Registers one test per page type: see auditOne. Each type is
 * { name, slug, kind?, fn?, open(page) }; `pageOf(kind)` gives the page to use.
 *
 * `pageLists` are lists only known once the portal runs (e.g. every help page in its
 * sitemap): each { name, types(page) } is one test with a subtest per page type; it lists
 * its pages with `types(page)` (on the "js" page; may throw when the list is incomplete).
 *
 * After the file, its results go to output/audit-summary-<file>.txt, and
 * output/audit-summary.txt collects every audit file's summary.
 */
export function auditPageTypes(types, { pageOf, baseUrl, file, pageLists = [] }) {
  const results = [];
  const ctx = { pageOf, baseUrl, results };
  for (const type of types) {
    test(`${type.name}${type.kind === "nojs" ? " [ohne JavaScript]" : ""}`, (t) => auditOne(t, type, ctx));
  }
  for (const list of pageLists) {
    // One page after another, each about five seconds on a busy machine: the list gets
    // its own, longer time limit.
    test(list.name, { timeout: 20 * 60_000 }, async (t) => {
      const listed = await list.types(await pageOf("js"));
      for (const type of listed) {
        await t.test(`${type.name}${type.kind === "nojs" ? " [ohne JavaScript]" : ""}`, (st) => auditOne(st, type, ctx));
      }
    });
  }

  after(() => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    const lines = results.map((r) => `${r.fn ? "[Funktion] " : ""}${r.type} (${r.url}): axe ${r.axe}; 320 px ${r.narrow}`);
    fs.writeFileSync(path.join(OUTPUT, `audit-summary-${file}.txt`), `${lines.join("\n")}\n`);
    // Every audit file's part, in file-name order (the files run in parallel).
    const parts = fs
      .readdirSync(OUTPUT)
      .filter((f) => /^audit-summary-.+\.txt$/.test(f))
      .sort()
      .map((f) => fs.readFileSync(path.join(OUTPUT, f), "utf8"));
    const text = `Barrierefreiheit je Seitentyp (axe-core, WCAG 2.1 A/AA; 320 px):\n${parts.join("")}Bildschirmfotos: ${path.relative(process.cwd(), SCREENSHOTS)}\n`;
    fs.writeFileSync(path.join(OUTPUT, "audit-summary.txt"), text);
    process.stdout.write(`Barrierefreiheit (${file}):\n${lines.join("\n")}\n`);
  });
}
