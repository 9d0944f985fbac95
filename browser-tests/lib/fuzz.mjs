// schemathesis (PyPI, installed by scripts/browser-test) against the portal's OpenAPI
// document: every operation is called with generated input, valid and invalid, and no answer
// may be a server error (5xx). The seed is fixed so a failure in CI can be repeated;
// CSP_FUZZ_SEED picks another one and CSP_FUZZ_EXAMPLES the number of examples per operation.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
export const SEED = process.env.CSP_FUZZ_SEED || "20261206";
export const EXAMPLES = process.env.CSP_FUZZ_EXAMPLES || "25";

/**
 * Runs `st run` against the portal's OpenAPI document with `headers` ("Name: value") and
 * `filters` (schemathesis' include/exclude options); resolves to its output.
 */
export async function schemathesis(portal, headers, filters, { examples = EXAMPLES } = {}) {
  const args = [
    "run",
    `${portal.url}/api/openapi.json`,
    "--checks",
    "not_a_server_error",
    "--max-examples",
    String(examples),
    "--seed",
    SEED,
    "--workers",
    "2",
    "--request-timeout",
    "20",
    "--no-color",
    ...headers.flatMap((h) => ["--header", h]),
    ...filters,
  ];
  try {
    const { stdout } = await execFileAsync("st", args, { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    return stdout;
  } catch (error) {
    if (error.code === "ENOENT") {
      throw new Error("schemathesis (`st`) fehlt: scripts/browser-test installiert es mit pip");
    }
    // Exit code 1: schemathesis found failures; its report says which request and answer.
    const log = portal.log().split("\n").filter((l) => /ERROR|panicked/.test(l)).slice(-20).join("\n");
    throw new Error(`schemathesis fand Fehler (Seed ${SEED}):\n${error.stdout}\n${error.stderr}\nFunktion:\n${log}`);
  }
}

/** The number of generated test cases schemathesis reports as run. */
export function testedCases(output) {
  const match = output.match(/(\d+) generated/);
  return match ? Number(match[1]) : 0;
}
