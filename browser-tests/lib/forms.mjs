// What a person must get from a form with mistakes: an error summary at the top of the
// form, one link per field, focus on the summary, and each link taking focus to its field.
import { expectVisible, until } from "./browser.mjs";

/** The visible error summary's state: where it is, its links and their targets. */
export async function readSummary(page) {
  return page.evaluate(() => {
    const visible = (e) => !!(e && (e.offsetWidth || e.offsetHeight || e.getClientRects().length));
    const summary = Array.from(document.querySelectorAll(".error-summary")).find(visible);
    if (!summary) return null;
    const form = document.querySelector("main form:not([role=search])");
    const links = Array.from(summary.querySelectorAll("a[href^='#']")).map((a) => {
      const id = decodeURIComponent(a.getAttribute("href").slice(1));
      const target = document.getElementById(id);
      return {
        id,
        text: a.textContent.replace(/\s+/g, " ").trim(),
        exists: !!target,
        field: !!target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName),
        invalid: !!target && target.getAttribute("aria-invalid") === "true",
        describedBy: (target && target.getAttribute("aria-describedby")) || "",
      };
    });
    return {
      focused: document.activeElement === summary || summary.contains(document.activeElement),
      aboveForm: !form || !!(summary.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING),
      // Nothing but the heading and an introduction may come between <h1> and the summary.
      top: Math.round(summary.getBoundingClientRect().top + window.scrollY),
      formTop: form ? Math.round(form.getBoundingClientRect().top + window.scrollY) : null,
      heading: (summary.querySelector("h2, h3, [id]") || summary).textContent.replace(/\s+/g, " ").trim(),
      links,
    };
  });
}

/**
 * The summary of a page that has just arrived, as the user meets it. `autofocus` is applied at
 * the browser's next rendering update, which can come after the load event: the focus gets up
 * to two seconds to reach the summary before it is read (a page that never moves it there
 * still reads `focused: false`).
 */
export async function readSummaryOnArrival(page) {
  await page
    .waitForFunction(() => !!document.activeElement?.closest(".error-summary"), null, { timeout: 2_000 })
    .catch(() => {});
  return readSummary(page);
}

/**
 * Checks the summary: visible above the form, focused (unless `focus: false`), one link for
 * each id in `fields` (exactly these, in any order), each to an existing, invalid field.
 * Returns the summary.
 */
export async function expectSummary(page, { fields, focus = true }) {
  await expectVisible(page.locator(".error-summary"), "Fehlerübersicht");
  const s = await until(() => readSummary(page), "keine sichtbare Fehlerübersicht");
  if (!s.aboveForm) throw new Error("Die Fehlerübersicht steht nicht über dem Formular");
  const ids = s.links.map((l) => l.id);
  const missing = fields.filter((f) => !ids.includes(f));
  const extra = ids.filter((i) => !fields.includes(i));
  if (missing.length || extra.length) {
    throw new Error(`Links der Fehlerübersicht passen nicht: fehlen ${JSON.stringify(missing)}, zu viel ${JSON.stringify(extra)}; gezeigt: ${JSON.stringify(s.links.map((l) => `${l.id}: ${l.text}`))}`);
  }
  const broken = s.links.filter((l) => !l.field);
  if (broken.length) throw new Error(`Links ohne Formularfeld als Ziel: ${JSON.stringify(broken)}`);
  const unmarked = s.links.filter((l) => !l.invalid);
  if (unmarked.length) throw new Error(`Felder nicht als fehlerhaft markiert (aria-invalid): ${unmarked.map((l) => l.id).join(", ")}`);
  if (focus && !s.focused) {
    const active = await page.evaluate(() => document.activeElement && document.activeElement.outerHTML.slice(0, 120));
    throw new Error(`Der Fokus steht nicht auf der Fehlerübersicht, sondern auf ${active}`);
  }
  return s;
}

/** Clicks every link of the summary and checks that its field then has the focus. */
export async function expectLinksFocusFields(page) {
  const s = await readSummary(page);
  for (const link of s.links) {
    await page.locator(".error-summary").getByRole("link", { name: link.text, exact: true }).first().click();
    await until(
      () => page.evaluate((id) => document.activeElement && document.activeElement.id === id, link.id),
      `Link „${link.text}“ setzt den Fokus nicht auf das Feld #${link.id}`,
      { timeout: 3_000 },
    );
  }
}

/** The ids of the form's required fields, one per name (radio groups count once). */
export async function requiredFields(page, formSelector) {
  return page.evaluate((sel) => {
    const seen = new Set();
    return Array.from(document.querySelector(sel).querySelectorAll("[required]"))
      .filter((e) => {
        if (seen.has(e.name)) return false;
        seen.add(e.name);
        return true;
      })
      .map((e) => e.id);
  }, formSelector);
}

/** Records requests that would send the form; `sent()` lists them. */
export function watchPosts(page, pathPart) {
  const posts = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes(pathPart)) posts.push(r.url());
  });
  return { sent: () => posts.slice() };
}
