// The dashboard's first meaningful paint in Debian's chromium, headless: run
// by tests/bench/bench_console_paint, which starts screeningd with a year of
// progress loaded and says:
//   BASE      the console's address
//   EXPECT    the persons-screened total as the page shows it ("800,000")
//   LOADS     how many cold loads to time (default 5)
//   TIMELINE  when set, each load's resource timings are printed too
//   SHOT      when set, a PNG of the last load is saved there (to look at)
// Signs in once as the commission, then loads the console in a fresh tab
// LOADS times and prints, from navigation start, when the totals showed
// EXPECT and when the year's trend chart was drawn. Exits non-zero if a
// load never shows them.
import puppeteer from "puppeteer-core";

const { BASE, EXPECT, LOADS = "5" } = process.env;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
});

function percentile(values, p) {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

try {
  const context = await browser.createBrowserContext();
  const first = await context.newPage();
  await first.goto(BASE, { waitUntil: "domcontentloaded" });
  await first.waitForSelector("#username");
  await first.type("#username", "officer.li");
  await first.type("#password", "correct horse battery");
  await first.keyboard.press("Enter");
  await first.waitForSelector("#totals .bar", { timeout: 10000 });
  await first.close();

  const totals = [], trend = [];
  for (let load = 0; load < Number(LOADS); ++load) {
    const page = await context.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    await page.setCacheEnabled(false);  // cold: the script and styles are fetched again
    await page.goto(BASE, { waitUntil: "domcontentloaded" });
    // performance.now() counts from the navigation's start.
    const shown = await page.waitForFunction(
      (expect) => (document.querySelector("#totals")?.textContent ?? "").includes(expect) &&
        performance.now(),
      { polling: "mutation", timeout: 10000 }, EXPECT);
    totals.push(await shown.jsonValue());
    const drawn = await page.waitForFunction(
      () => Number(document.querySelector("#trend")?.dataset.days ?? 0) > 0 && performance.now(),
      { polling: "mutation", timeout: 10000 });
    trend.push(await drawn.jsonValue());
    if (process.env.TIMELINE) {
      console.log(await page.evaluate(() => JSON.stringify([
        ...performance.getEntriesByType("navigation").map((e) => ["nav", e.responseEnd, e.domContentLoadedEventEnd]),
        ...performance.getEntriesByType("resource").map((e) => [e.name.replace(/^.*\//, ""), Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd)]),
        ...performance.getEntriesByType("paint").map((e) => [e.name, Math.round(e.startTime)]),
      ])));
    }
    if (process.env.SHOT && load === Number(LOADS) - 1) {
      await page.screenshot({ path: process.env.SHOT, fullPage: true });
    }
    await page.close();
  }
  const ms = (v) => `${v.toFixed(0)} ms`;
  console.log(`loads: ${totals.length}; totals shown: median ${ms(percentile(totals, 50))}, ` +
              `max ${ms(Math.max(...totals))}; trend drawn: median ${ms(percentile(trend, 50))}, ` +
              `max ${ms(Math.max(...trend))}`);
  console.log(JSON.stringify({ loads: totals.length, totals_ms: totals.map(Math.round),
                               trend_ms: trend.map(Math.round) }));
} finally {
  await browser.close();
}
