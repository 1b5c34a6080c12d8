// The console in a real browser: Debian's chromium, driven headless by
// puppeteer-core (no browser is downloaded). Run by tests/console_browser_pgtest.sh,
// which starts screeningd with data and accounts and tells this script:
//   BASE      the console's address
//   RECORD    a shell command that records one more result through gRPC
//   RESTART   one that restarts screeningd on the same ports
//   RECORD_AFTER_RESTART  one that records a third result
//   SHOTS     where the screenshots go (artifacts, not committed)
// Exits non-zero, saying what failed.
import { execSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import puppeteer from "puppeteer-core";
import { workspaces } from "./workspaces.mjs";

const { BASE, RECORD, RESTART, RECORD_AFTER_RESTART, SHOTS = "/tmp/console-shots" } = process.env;
const PASSWORD = "correct horse battery";
mkdirSync(SHOTS, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
});

async function newPage(width = 1366, height = 768) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height });
  page.on("pageerror", (error) => console.error("page error:", error.message));
  await page.goto(BASE, { waitUntil: "domcontentloaded" });
  await page.waitForSelector("#username");
  return page;
}

async function signIn(page, username, password) {
  await page.focus("#username");
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");  // the keyboard alone signs in
}

const text = (page, selector) => page.$eval(selector, (e) => e.textContent ?? "");

// Every input, select and button has a label or text: what a screen reader says.
async function checkLabels(page, where) {
  const unlabelled = await page.$$eval("input, select, button", (controls) =>
    controls.filter((c) => (c.labels?.length ?? 0) === 0 && !c.getAttribute("aria-label") &&
                           !(c.textContent ?? "").trim()).map((c) => c.id || c.outerHTML.slice(0, 60)));
  check(unlabelled.length === 0, `${where}: controls without a label: ${unlabelled.join(", ")}`);
}

try {
  // Every control has a label; a wrong password says so.
  const page = await newPage();
  await checkLabels(page, "sign-in");
  await page.screenshot({ path: `${SHOTS}/sign-in-1366x768.png` });
  await signIn(page, "officer.li", "not the password");
  await page.waitForFunction(() => document.querySelector("#sign-in-error")?.textContent !== "");
  check((await text(page, "#sign-in-error")).includes("用户名或密码错误"), "no message for a wrong password");

  // The commission signs in and sees the totals.
  await page.$eval("#username", (e) => (e.value = ""));
  await page.$eval("#password", (e) => (e.value = ""));
  await signIn(page, "officer.li", PASSWORD);
  await page.waitForFunction(() => document.querySelector("#totals .big strong")?.textContent === "1",
                             { timeout: 10000 });
  check((await text(page, "#totals")).includes("800,000"), "the target is not shown");
  check((await text(page, "#live")).includes("实时"), "not live");
  await new Promise((r) => setTimeout(r, 1200));  // the trend chart
  await page.screenshot({ path: `${SHOTS}/dashboard-1366x768.png`, fullPage: true });

  // A result recorded through gRPC shows within a second, without a reload.
  execSync(RECORD, { stdio: "inherit" });
  const recorded = Date.now();
  await page.waitForFunction(() => document.querySelector("#totals .big strong")?.textContent === "2",
                             { timeout: 1000, polling: 20 });
  console.log(`dashboard updated ${Date.now() - recorded} ms after the result was recorded`);

  // screeningd restarts: the dashboard reconnects by itself, and the next
  // result shows without a reload.
  execSync(RESTART, { stdio: "inherit" });
  execSync(RECORD_AFTER_RESTART, { stdio: "inherit" });
  try {
    await page.waitForFunction(() => document.querySelector("#totals .big strong")?.textContent === "3",
                               { timeout: 15000 });
  } catch {
    throw new Error(`after the restart: "${await text(page, "#live")}", ${
      await text(page, "#totals .big strong")} screened`);
  }
  console.log("dashboard reconnected after the restart and showed the next result");

  // The quarterly report: the draft, and its CSV downloads.
  const downloads = `${SHOTS}/downloads`;
  mkdirSync(downloads, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads,
                                                  browserContextId: page.browserContext().id });
  await checkLabels(page, "dashboard");
  // To the report from the keyboard: the page's links are reachable by Tab.
  let onReportLink = false;
  for (let i = 0; i < 10 && !onReportLink; ++i) {
    await page.keyboard.press("Tab");
    onReportLink = await page.evaluate(() => document.activeElement?.getAttribute("href") === "#/report");
  }
  check(onReportLink, "the report's link cannot be reached with Tab");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#download-csv", { timeout: 10000 });
  await checkLabels(page, "report");
  check((await text(page, "#report-body")).includes("草稿"), "the report is not a draft");
  await page.screenshot({ path: `${SHOTS}/report-1366x768.png`, fullPage: true });
  await page.click("#download-csv");
  const started = Date.now();
  let csv = [];
  while (csv.length === 0 && Date.now() - started < 5000) {
    await new Promise((r) => setTimeout(r, 100));
    csv = readdirSync(downloads).filter((f) => f.endsWith(".csv"));
  }
  check(csv.length === 1, "the CSV did not download");
  check(readFileSync(`${downloads}/${csv[0]}`, "utf8").length > 20, "the CSV is empty");
  // The third quarter's cut-off is over: the commission signs it off, and
  // the signed version is listed and shown.
  await page.select("#report-quarter", "3");
  await page.waitForFunction(() => document.querySelectorAll("#report-version option").length === 1);
  await page.click(".report-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#report-body h2")?.textContent?.includes("第 3 季度"));
  await page.click("#sign-off");
  try {
    await page.waitForFunction(() => document.querySelector("#report-body")?.textContent?.includes("签发") &&
      document.querySelector("#report-version")?.value === "1", { timeout: 10000 });
  } catch {
    throw new Error(`sign-off: ${await text(page, "#report-error")}`);
  }
  check((await text(page, "#report-version")).includes("第 1 版"), "the signed version is not listed");
  await page.screenshot({ path: `${SHOTS}/report-signed-1366x768.png`, fullPage: true });
  await page.click('nav a[href="#/dashboard"]');
  await page.waitForSelector("#totals .big strong");

  await page.setViewport({ width: 768, height: 1024 });
  await new Promise((r) => setTimeout(r, 500));
  await page.screenshot({ path: `${SHOTS}/dashboard-768x1024.png`, fullPage: true });
  await page.setViewport({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 500));
  await page.screenshot({ path: `${SHOTS}/dashboard-390x844.png`, fullPage: true });

  // A clinic cannot open the commission's page, and its API calls are refused.
  const clinic = await newPage();
  await signIn(clinic, "nurse.wang", PASSWORD);
  await clinic.waitForSelector("#find-resident");
  check((await clinic.$("#totals")) === null, "a clinic sees the dashboard");
  await checkLabels(clinic, "clinic");
  // The ID number is checked as it is typed: a wrong check character is named.
  await clinic.type("#id-number", "230102197001011230");
  await clinic.waitForFunction(() => document.querySelector("#id-facts")?.textContent?.includes("校验码"));
  check((await text(clinic, "#id-facts")).includes("末位应为 1"), "the right check character is not named");
  // A legacy 15-digit number: birth date, sex and age, then registered.
  await clinic.$eval("#id-number", (e) => (e.value = ""));
  await clinic.type("#id-number", "230102700315123");
  await clinic.waitForFunction(() => document.querySelector("#id-facts")?.textContent?.includes("1970年3月15日"));
  const facts = await text(clinic, "#id-facts");
  check(facts.includes("男") && /\d+岁/.test(facts) && facts.includes("旧号码，即 23010219700315123"),
        `the legacy number's facts: ${facts}`);
  await clinic.keyboard.press("Enter");
  await clinic.waitForSelector("#register-form:not([hidden])");
  await clinic.type("#reg-name", "李秀兰");
  await clinic.type("#reg-phone", "13912345678");
  await clinic.select("#reg-sms", "no");
  await clinic.click("#register-form button[type=submit]");
  await clinic.waitForFunction(() => document.querySelector("#resident-card:not([hidden]) h2")?.textContent === "李秀兰");
  check((await text(clinic, "#resident-card")).includes("不接收"), "the SMS refusal is not shown");
  check(!(await text(clinic, "#resident-card")).includes("19700315"), "the full ID number is shown");
  // A resident booked by the script: the messages the booking made, with their status.
  await clinic.$eval("#id-number", (e) => (e.value = ""));
  await clinic.type("#id-number", "230102197001011231");
  await clinic.keyboard.press("Enter");
  await clinic.waitForSelector("#notification-list tbody tr", { timeout: 10000 });
  // Eligibility in plain Chinese: 56 years old, a man.
  await clinic.waitForFunction(() => document.querySelectorAll("#eligibility li[data-eligible]").length === 4);
  const eligibility = await text(clinic, "#eligibility");
  check(eligibility.includes("“四高”筛查：可以参加") && eligibility.includes("仅限孕妇"),
        `eligibility: ${eligibility}`);
  const sms = await text(clinic, "#notification-list");
  check(sms.includes("预约成功") && sms.includes("核验码") && sms.includes("已发送"),
        `the booking's message is not listed: ${sms.slice(0, 200)}`);
  await clinic.screenshot({ path: `${SHOTS}/clinic-resident-1366x768.png`, fullPage: true });
  await clinic.setViewport({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 300));
  await clinic.screenshot({ path: `${SHOTS}/clinic-resident-390x844.png`, fullPage: true });
  const status = await clinic.evaluate(async () => (await fetch("/screening.v1.ProgressService/GetProgress", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status);
  check(status === 403, `a clinic's GetProgress answered ${status}`);
  await clinic.screenshot({ path: `${SHOTS}/clinic-1366x768.png` });

  // A clinic's day and a hospital's day, in the pages alone.
  await workspaces({ newPage, signIn, text, check, checkLabels, dashboard: page, SHOTS, PASSWORD });

  // Five wrong passwords lock the account.
  const guesser = await newPage();
  for (let i = 0; i < 5; ++i) {
    await guesser.$eval("#username", (e) => (e.value = ""));
    await signIn(guesser, "doctor.zhao", `wrong password ${i}`);
    await guesser.waitForFunction((n) => document.querySelector("#sign-in-error")?.textContent !== "" &&
      document.querySelector("button[type=submit]")?.disabled === false, {}, i);
    await new Promise((r) => setTimeout(r, 100));
  }
  check((await text(guesser, "#sign-in-error")).includes("锁定"), "no lockout message");
  await guesser.screenshot({ path: `${SHOTS}/locked-1366x768.png` });
  // An admin creates an account in the console and disables it.
  const admin = await newPage();
  await signIn(admin, "admin.zhou", PASSWORD);
  await admin.waitForSelector('nav a[href="#/accounts"]');
  await admin.click('nav a[href="#/accounts"]');
  await admin.waitForSelector("#create-account");
  await admin.waitForSelector("#account-list tbody tr");
  await checkLabels(admin, "accounts");
  await admin.type("#new-username", "nurse.chen");
  await admin.type("#new-display-name", "陈护士");
  await admin.select("#new-district", "230103");
  await admin.type("#new-password", PASSWORD);
  await admin.click("#create-account button[type=submit]");
  await admin.waitForFunction(() => document.querySelector("#account-list")?.textContent?.includes("nurse.chen"));
  check((await text(admin, "#account-list")).includes("南岗区"), "the new account's district is not shown");
  await admin.click('tr[data-name="accounts/nurse.chen"] button[data-action="disable"]');
  await admin.waitForFunction(() =>
    document.querySelector('tr[data-name="accounts/nurse.chen"]')?.textContent?.includes("已停用"));
  await admin.screenshot({ path: `${SHOTS}/accounts-1366x768.png`, fullPage: true });
  const disabled = await newPage();
  await signIn(disabled, "nurse.chen", PASSWORD);
  await disabled.waitForFunction(() => document.querySelector("#sign-in-error")?.textContent !== "");
  check((await text(disabled, "#sign-in-error")).includes("用户名或密码错误"), "a disabled account signed in");
  console.log("console: ok");
} catch (error) {
  console.error(`console: FAILED: ${error.message}`);
  console.error(error.stack);
  process.exitCode = 1;
  // What each page showed when it failed.
  let n = 0;
  for (const context of browser.browserContexts()) {
    for (const open of await context.pages()) {
      await open.screenshot({ path: `${SHOTS}/failed-${++n}.png`, fullPage: true }).catch(() => {});
    }
  }
} finally {
  await browser.close();
}
