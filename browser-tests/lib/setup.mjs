// One portal and one browser per test file, stopped after the file whatever happens.
import { after, before } from "node:test";
import { startPortal } from "./portal.mjs";
import { launchBrowser } from "./browser.mjs";

/**
 * Registers before/after hooks; returns an object whose `portal` and `browser` are set
 * once the hooks ran.
 */
export function portalAndBrowser(name, { smtp = null, copyContent = false } = {}) {
  const env = { portal: null, browser: null };
  before(async () => {
    const [portal, browser] = await Promise.allSettled([startPortal({ name, smtp, copyContent }), launchBrowser()]);
    env.portal = portal.value || null;
    env.browser = browser.value || null;
    if (portal.status === "rejected") throw portal.reason;
    if (browser.status === "rejected") throw browser.reason;
  });
  after(async () => {
    const stops = [];
    if (env.browser) stops.push(env.browser.close().catch(() => {}));
    if (env.portal) stops.push(env.portal.stop());
    await Promise.all(stops);
  });
  return env;
}
