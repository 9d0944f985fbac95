// Keyboard only: every key goes through page.keyboard, and every focus stop it reaches is
// checked for a visible focus indicator (WCAG 2.4.7).

/** The focused element and whether its focus can be seen. */
export async function focusState(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) {
      return { none: true, label: "(kein Element, der Fokus steht auf der Seite selbst)", visible: false };
    }
    const s = getComputedStyle(e);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== "none";
    const r = e.getBoundingClientRect();
    const field = /^(INPUT|SELECT|TEXTAREA)$/.test(e.tagName);
    const text = (e.getAttribute("aria-label") || (field ? e.value : e.textContent) || "").replace(/\s+/g, " ").trim().slice(0, 60);
    const tag = e.tagName.toLowerCase();
    return {
      tag,
      id: e.id,
      name: e.getAttribute("name") || "",
      type: e.getAttribute("type") || "",
      text,
      label: `<${tag}${e.id ? ` id="${e.id}"` : ""}${e.getAttribute("name") ? ` name="${e.getAttribute("name")}"` : ""}${e.getAttribute("type") ? ` type="${e.getAttribute("type")}"` : ""}>${text ? ` „${text}“` : ""}`,
      focusVisible: e.matches(":focus-visible"),
      outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
      boxShadow: s.boxShadow,
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight,
      visible: e.matches(":focus-visible") && (outline || shadow) && r.width > 0 && r.height > 0,
      html: e.outerHTML.slice(0, 200),
    };
  });
}

/**
 * A keyboard-only user on `page`. `press(key)` presses a key and, for Tab and Shift+Tab,
 * checks the focus stop it lands on (`{ navigates: true }` for a key that leaves the page); `tabUntil(test)` tabs until `test(focus)` is true;
 * `type(text)` types into whatever has the focus. `stops` lists every stop, `invisible`
 * those without a visible focus indicator.
 */
export function keyboardUser(page) {
  const stops = [];
  const invisible = [];
  const user = {
    stops,
    invisible,
    async press(key, { navigates = false } = {}) {
      await page.keyboard.press(key);
      if (navigates) return null;
      const f = await focusState(page);
      if (key === "Tab" || key === "Shift+Tab") {
        stops.push(f);
        if (!f.visible) {
          invisible.push(f);
          // Printed as it happens, so the log shows where it was.
          process.stdout.write(
            `# Fokus nicht sichtbar nach ${key}: ${f.label} (:focus-visible ${f.focusVisible}, outline ${f.outline}, box-shadow ${f.boxShadow})\n#   ${f.html}\n`,
          );
        }
      }
      return f;
    },
    async tabUntil(test, what, { max = 60, back = false } = {}) {
      for (let i = 0; i < max; i++) {
        const f = await user.press(back ? "Shift+Tab" : "Tab");
        if (test(f)) return f;
      }
      throw new Error(`Nach ${max}× ${back ? "Umschalt+Tab" : "Tab"} nicht erreicht: ${what}. Letzte Stopps: ${stops.slice(-6).map((s) => s.label).join(" → ")}`);
    },
    async type(text) {
      await page.keyboard.type(text, { delay: 5 });
    },
    /** Fails when a focus stop had no visible focus indicator. */
    expectAllVisible() {
      if (invisible.length) {
        throw new Error(
          `${invisible.length} von ${stops.length} Fokus-Stopps ohne sichtbaren Fokus:\n${invisible
            .map((f) => `  ${f.label}: :focus-visible ${f.focusVisible}, outline ${f.outline}, box-shadow ${f.boxShadow}\n    ${f.html}`)
            .join("\n")}`,
        );
      }
    },
  };
  return user;
}
