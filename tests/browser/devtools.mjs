// devtools.mjs: Debian's chromium, headless, driven through the DevTools
// protocol over --remote-debugging-pipe (file descriptors 3 and 4,
// messages ended by a NUL byte), so neither npm nor a WebSocket library is
// needed.  Shared by serve_browser.mjs and report_open.mjs.
//
//   const browser = launch(30000);   // every wait bounded by 30 s
//   await browser.send("Target.createTarget", { url: "about:blank" });
//   await browser.event("Page.loadEventFired");
//   await browser.close();           // the browser and its profile gone
//   run(browser, main, () => failures, "LATE", "PASSED");  // or this
//
// CHROMIUM names the browser's binary (default: chromium).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function launch(waitMs) {
  const chromium = process.env.CHROMIUM || "chromium";
  const profile = mkdtempSync(join(tmpdir(), "vc-chromium-"));
  const child = spawn(
    chromium,
    ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
     "--disable-extensions", "--remote-debugging-pipe",
     `--user-data-dir=${profile}`, "about:blank"],
    { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];

  let nextId = 1;
  const pending = new Map();
  const waiters = [];
  let buffer = Buffer.alloc(0);
  fromBrowser.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    let end;
    while ((end = buffer.indexOf(0)) >= 0) {
      const msg = JSON.parse(buffer.subarray(0, end).toString("utf8"));
      buffer = buffer.subarray(end + 1);
      if (msg.id && pending.has(msg.id)) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
      } else if (msg.method) {
        for (const w of waiters.slice()) {
          if (w.method === msg.method) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(msg.params);
          }
        }
      }
    }
  });

  // A protocol call (to a page when sessionId is given); its answer.
  function send(method, params = {}, sessionId) {
    const id = nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    toBrowser.write(JSON.stringify(msg) + "\0");
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      setTimeout(() => reject(new Error(`${method}: no answer in ${waitMs} ms`)), waitMs);
    });
  }

  // The next event named method; its parameters.
  function event(method, ms = waitMs) {
    return new Promise((resolve, reject) => {
      waiters.push({ method, resolve });
      setTimeout(() => reject(new Error(`${method}: not seen in ${ms} ms`)), ms);
    });
  }

  // Close the browser (killed if it does not answer) and remove its
  // profile.
  async function close() {
    const exited = new Promise((resolve) => {
      child.on("exit", resolve);
      setTimeout(resolve, 5000);
    });
    try { await send("Browser.close"); } catch (e) { child.kill("SIGKILL"); }
    await exited;
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      console.error(`note: could not remove ${profile}: ${e.message}`);
    }
  }

  return { child, send, event, close };
}

// Run main() against browser for at most 120 s, then close it and exit:
// status 1 when failures() counts any failed check or main threw (each
// printed), else 0 after printing passed.  late is what is printed when
// the 120 s run out.
export function run(browser, main, failures, late, passed) {
  const timer = setTimeout(() => {
    console.error(`FAIL ${late}`);
    browser.child.kill("SIGKILL");
    process.exit(1);
  }, 120000);
  let thrown = 0;
  main()
    .catch((e) => { console.error(`FAIL ${e.message}`); thrown = 1; })
    .finally(async () => {
      clearTimeout(timer);
      await browser.close();
      const n = failures() + thrown;
      console.log(n ? `${n} check(s) failed` : passed);
      process.exit(n ? 1 : 0);
    });
}
