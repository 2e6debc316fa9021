// report_open.mjs: how long a batch's report in pages takes to open in a
// real browser (issue 20: a 1,000-stratum report must open within 2 s).
//
// Debian's chromium, headless, driven through the DevTools protocol over
// --remote-debugging-pipe (devtools.mjs; no npm).  The
// browser is started first and not timed (a reader's browser is already
// running); each page is timed from Page.navigate to its load event,
// which waits for every figure (the SVGs in <img>) to load.
//
//   node tests/browser/report_open.mjs DIR/report.html [LIMIT_MS]
//
// Opens the index, checks that it links to every stratum page and that
// its figures decoded, then opens the first stratum page and the one
// with the most bytes and checks the same.  Prints one line per page
// ("index 312 ms ...") and exits 1 when a check fails or a page took
// longer than LIMIT_MS (default 2000).
import { readdirSync, statSync } from "node:fs";
import { join, dirname, resolve } from "node:path";

import { launch, run } from "./devtools.mjs";

const [indexArg, limitArg] = process.argv.slice(2);
if (!indexArg) {
  console.error("usage: report_open.mjs DIR/report.html [LIMIT_MS]");
  process.exit(2);
}
const index = resolve(indexArg);
const limit = Number(limitArg || 2000);
const pagesDir = join(dirname(index), "report");
const browser = launch(30000);
const { send, event } = browser;

let failures = 0;
function check(ok, what) {
  if (!ok) {
    console.log(`FAIL ${what}`);
    failures++;
  }
}

async function main() {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  await s("Page.enable");
  await s("Runtime.enable");
  const evaluate = async (expression) =>
    (await s("Runtime.evaluate", { expression, returnByValue: true })).result.value;
  // one page: the time to its load event, its figures and links
  const open = async (what, path) => {
    const loaded = event("Page.loadEventFired");
    const t0 = process.hrtime.bigint();
    await s("Page.navigate", { url: "file://" + path });
    await loaded;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const figs = await evaluate(
      "[...document.images].filter(i => i.classList.contains('fig')).length");
    const broken = await evaluate(
      "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length");
    const bytes = statSync(path).size;
    console.log(`${what} ${ms.toFixed(0)} ms, ${bytes} bytes, ${figs} figures`);
    check(ms <= limit, `${what} took ${ms.toFixed(0)} ms (limit ${limit})`);
    check(broken === 0, `${what}: ${broken} figure(s) did not decode`);
    check(figs > 0, `${what}: no figure`);
    return ms;
  };
  // a first page of the file scheme, untimed: the renderer process
  // starts (a reader's browser has one running)
  {
    const loaded = event("Page.loadEventFired");
    await s("Page.navigate", { url: "file://" + join(pagesDir, "..") });
    await loaded;
  }
  await open("index", index);
  const pages = readdirSync(pagesDir).filter((n) => /^s[0-9]+\.html$/.test(n)).sort();
  const links = await evaluate(
    "[...document.querySelectorAll('a[href^=\"report/\"]')].map(a => a.getAttribute('href'))");
  check(links.length === pages.length && links.every((l, i) => l === "report/" + pages[i]),
        `the index links to every stratum page (${links.length} links, ${pages.length} pages)`);
  let biggest = pages[0];
  for (const p of pages) {
    if (statSync(join(pagesDir, p)).size > statSync(join(pagesDir, biggest)).size) biggest = p;
  }
  await open(`page ${pages[0]}`, join(pagesDir, pages[0]));
  await open(`page ${biggest} (largest)`, join(pagesDir, biggest));
}

run(browser, main, () => failures, "the report did not open in 120 s",
    "the report opened within the limit");
