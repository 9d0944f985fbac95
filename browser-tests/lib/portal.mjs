// Starts the whole portal (`csp serve`: static site + the function under /api/ on an
// embedded SQLite store) on a free port with the sample content and a fresh state folder,
// and stops it again. One portal per test file, so journeys never see each other's data.
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const execFileAsync = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const OUTPUT = path.join(ROOT, "browser-tests", "output");
const CSP = process.env.CSP_BIN || path.join(ROOT, "target", "debug", "csp");
const CSP_FUNCTION = process.env.CSP_FUNCTION_BIN || path.join(ROOT, "target", "debug", "csp-function");

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const running = new Set();
// Whatever happens to the test process, no `csp serve` outlives it: killed on exit and on
// the signals a runner sends; scripts/browser-test also kills what is listed in the pid file
// (for a test process that was itself killed outright).
function killAll() {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}
function recordPid(pid) {
  const file = process.env.CSP_BROWSER_TEST_PIDFILE;
  if (file) fs.appendFileSync(file, `${pid}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `csp serve` with the sample content and a fresh --state-dir; with `smtp`
 * ("host:port") its mails, and those of the operator's commands, go to that SMTP server
 * instead of the mail folder.
 * instead of the mail folder; with `copyContent` it serves a copy of content/ (contentDir) that a
 * journey may edit while it runs.
 * Returns { url, port, stateDir, contentDir, functionDir, mailDir, log(), stop(), admin(...args) }.
 */
export async function startPortal({ name = "portal", smtp = null, copyContent = false } = {}) {
  for (const bin of [CSP, CSP_FUNCTION]) {
    if (!fs.existsSync(bin)) {
      throw new Error(`${bin} fehlt: scripts/browser-test baut es (cargo build -p generator --bin csp -p functions --bin csp-function)`);
    }
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `csp-browser-${name}-`));
  // A journey that edits content (serve rebuilds) works on its own copy.
  const contentDir = copyContent ? path.join(stateDir, "content") : "content";
  if (copyContent) fs.cpSync(path.join(ROOT, "content"), contentDir, { recursive: true });
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const output = [];
    const child = spawn(
      CSP,
      ["serve", "--content", contentDir, "--theme", "themes/default", "--port", String(port), "--state-dir", stateDir, ...(smtp ? ["--smtp", `smtp://${smtp}`] : [])],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CSP_LOG: process.env.CSP_LOG || "warn" } },
    );
    running.add(child);
    if (child.pid) recordPid(child.pid);
    let exited = null;
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
    });
    child.stdout.on("data", (d) => output.push(d));
    child.stderr.on("data", (d) => output.push(d));
    const log = () => Buffer.concat(output).toString("utf8");
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    let up = false;
    while (Date.now() < deadline && !exited) {
      try {
        const res = await fetch(`${url}/api/sitzung`);
        if (res.ok) {
          const home = await fetch(`${url}/`);
          if (home.ok) {
            up = true;
            break;
          }
        }
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    if (!up) {
      child.kill("SIGKILL");
      lastError = new Error(`csp serve antwortete nicht auf ${url} (${exited ? `beendet: ${JSON.stringify(exited)}` : "Zeitüberschreitung"}).\n${log()}`);
      continue; // e.g. the port was taken between freePort() and the bind
    }
    const functionDir = path.join(stateDir, "function");
    const portal = {
      url,
      port,
      stateDir,
      contentDir: path.resolve(ROOT, contentDir),
      functionDir,
      mailDir: path.join(functionDir, "mail"),
      log,
      /** Runs the operator command `csp-function admin --data-dir <function folder> ...`. */
      async admin(...args) {
        const { stdout } = await execFileAsync(CSP_FUNCTION, ["admin", "--data-dir", functionDir, ...args], {
          cwd: ROOT,
          env: { ...process.env, CSP_PUBLIC_URL: url, ...(smtp ? { CSP_MAIL_TRANSPORT: `smtp://${smtp}` } : {}) },
        });
        return stdout;
      },
      async stop() {
        if (!exited) {
          child.kill("SIGTERM");
          for (let i = 0; i < 50 && !exited; i++) await sleep(100);
          if (!exited) child.kill("SIGKILL");
        }
        fs.rmSync(stateDir, { recursive: true, force: true });
      },
    };
    return portal;
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  throw lastError;
}
