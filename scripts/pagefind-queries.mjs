// Top-3 accuracy of Pagefind over the graded query set, for scripts/bench-search.
//
//   node scripts/pagefind-queries.mjs PAGEFIND_DIR QUERIES_TSV
//
// PAGEFIND_DIR is the `pagefind` folder that the Pagefind CLI wrote into the built site
// (indexing the detail pages, /cloud-services/<id>/). Loads its pagefind.js in Node with a
// `fetch` that reads file: URLs, so the browser search runs unchanged (its WebAssembly, its
// index chunks, its ranking), answers every query and prints one line per miss and a summary
// line `pagefind top-3: P/N`.
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const [dir, tsv] = process.argv.slice(2);
if (!dir || !tsv) {
  console.error("usage: node scripts/pagefind-queries.mjs PAGEFIND_DIR QUERIES_TSV");
  process.exit(2);
}

const networkFetch = globalThis.fetch;
let requests = 0;
let bytes = 0;
globalThis.fetch = async (input, init) => {
  const url = String(typeof input === "string" ? input : (input.url ?? input));
  if (!url.startsWith("file:")) return networkFetch(input, init);
  const body = await readFile(fileURLToPath(url.split("?")[0]));
  requests += 1;
  bytes += body.length;
  const type = url.includes("wasm") ? "application/wasm" : "application/octet-stream";
  return new Response(body, { headers: { "content-type": type } });
};

const base = pathToFileURL(path.resolve(dir) + "/").href;
const pagefind = await import(new URL("pagefind.js", base).href);
await pagefind.options({ basePath: base });
await pagefind.init();

const cases = (await readFile(tsv, "utf8"))
  .split("\n")
  .filter((l) => l.trim() && !l.startsWith("#") && !l.startsWith("query\t"))
  .map((l) => {
    const [query, expected, kind] = l.split("\t");
    return { query, expected: expected.split(",").map((s) => s.trim()), kind };
  });

let passed = 0;
const firstQuery = { requests: 0, bytes: 0 };
for (const [i, c] of cases.entries()) {
  const response = await pagefind.search(c.query);
  const top = await Promise.all(response.results.slice(0, 3).map((r) => r.data()));
  if (i === 0) {
    firstQuery.requests = requests;
    firstQuery.bytes = bytes;
  }
  const ids = top.map((d) => (d.url.match(/cloud-services\/([^/]+)\//) ?? [])[1] ?? d.url);
  if (ids.some((id) => c.expected.includes(id))) {
    passed += 1;
  } else {
    console.log(`  miss: ${JSON.stringify(c.query)} (${c.kind}): expected ${c.expected.join(",")}, got ${ids.join(",")}`);
  }
}
console.log(
  `pagefind top-3: ${passed}/${cases.length} (first query loaded ${firstQuery.requests} files, ${(firstQuery.bytes / 1024).toFixed(0)} KB)`,
);
