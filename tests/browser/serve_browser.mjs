// serve_browser.mjs: a real browser against `victimcount serve`.
//
// Debian's chromium, headless, driven through the DevTools protocol over
// --remote-debugging-pipe (devtools.mjs: file descriptors 3 and 4, messages ended by a
// NUL byte), so neither npm nor a WebSocket library is needed.  The pages
// themselves have no JavaScript; the test acts as a person would: types
// the token, picks files, presses the buttons (by evaluating DOM calls
// through the protocol), and reads what the page says.
//
//   node tests/browser/serve_browser.mjs BASE_URL TOKEN GOOD.csv BAD.csv
//
// BASE_URL is a loopback address; every wait is bounded.  Exit status 0
// when every check passed; each failure is printed.
import { launch, run } from "./devtools.mjs";

const [base, token, goodCsv, badCsv] = process.argv.slice(2);
if (!base || !base.startsWith("http://127.0.0.1:")) {
  console.error("usage: serve_browser.mjs http://127.0.0.1:PORT TOKEN GOOD BAD");
  process.exit(2);
}
const browser = launch(20000);
const { send, event } = browser;

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

async function main() {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  await s("Page.enable");
  await s("DOM.enable");
  await s("Runtime.enable");
  const evaluate = async (expression) =>
    (await s("Runtime.evaluate", { expression, returnByValue: true })).result.value;
  const load = async (action) => {
    const loaded = event("Page.loadEventFired");
    await action();
    await loaded;
  };
  const text = () => evaluate("document.body.innerText");

  // 1. sign in with the token
  await load(() => s("Page.navigate", { url: base + "/" }));
  check((await text()).includes("Sign in"), "the sign-in page shows");
  check(await evaluate("!!document.querySelector('meta[name=viewport]')"),
        "the page has a viewport for phones");
  check(await evaluate("document.scripts.length === 0"), "the page has no script");
  await load(() => evaluate(
    `document.getElementById('token').value = ${JSON.stringify(token)};
     document.querySelector('form[action="/signin"] button').click()`));
  const home = await text();
  check(home.includes("Submit a file"), "signed in: the home page shows");
  check((await evaluate("document.cookie")) === "",
        "the session cookie is not readable by scripts (HttpOnly)");

  // 2. upload a good file, then a bad one
  const upload = async (path) => {
    await load(() => s("Page.navigate", { url: base + "/" }));
    const { result } = await s("Runtime.evaluate", {
      expression: "document.getElementById('file')" });
    await s("DOM.setFileInputFiles", { files: [path], objectId: result.objectId });
    await load(() => evaluate(
      "document.querySelector('form[action=\"/upload\"] button').click()"));
    return text();
  };
  const good = await upload(goodCsv);
  check(good.includes("File accepted"), "a good file is accepted, in words");
  check(/3 lists \(IOM, NGO, Police\)/.test(good), "the page names the lists");
  const bad = await upload(badCsv);
  check(bad.includes("The file was not accepted"), "a bad file is refused");
  check(bad.includes("Line 3, column B"), "the refusal names line and column");
  check(bad.includes("Nothing was stored"), "the refusal says nothing was kept");

  // 3. the published result, with its headline, and the report
  await load(() => s("Page.navigate", { url: base + "/" }));
  const again = await text();
  check(again.includes("Published estimates for Kazakhstan"),
        "the home page lists the country's published estimates");
  check(/Kazakhstan[^\n]*: about [0-9,]+–[0-9,]+ victims/.test(again),
        "the headline is there (\"...: about N–M victims\")");
  const link = await evaluate(
    "(document.querySelector('a[href^=\"/estimates/\"]') || {}).href || ''");
  check(link !== "", "the estimate links to its page");
  if (link) {
    await load(() => s("Page.navigate", { url: link }));
    check((await text()).includes("The full report"), "the estimate page links to the report");
    await load(() => s("Page.navigate", { url: link + "/report" }));
    check((await evaluate("document.title")).length > 0 &&
          (await text()).includes("victims"), "the report opens");
  }

  // 4. signing out ends the session
  await load(() => s("Page.navigate", { url: base + "/" }));
  await load(() => evaluate(
    "document.querySelector('form[action=\"/signout\"] button').click()"));
  check((await text()).includes("Sign in"), "signed out: back to the sign-in page");
}

run(browser, main, () => failures, "the browser test did not finish in 120 s",
    "all browser checks passed");
