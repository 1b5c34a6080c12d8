// A clinic's day and a hospital's day in the pages alone (issue 17, part 4),
// called by console.test.mjs with its browser helpers:
//   - the clinic registers a resident, books a two-screening visit (a double
//     click books once) and prints the slip;
//   - the hospital checks her in (a wrong code first: attempts left shown),
//     enters a four-highs value out of bounds (refused, with the message),
//     then valid ones, and prints the letter;
//   - the commission's dashboard (still open) moves;
//   - the fake SMS gateway, failing the first message, got the confirmation
//     and the results-ready message once each;
//   - another district's resident and another hospital's roster are refused,
//     in the pages and through the API with the page's own session.
// Environment: SMS (the fake gateway), TODAY, OTHER_ID, OTHER_RESIDENT,
// OTHER_BOOKING.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import writeXlsxFile from "write-excel-file/node";

const { SMS, TODAY, TOMORROW, OTHER_ID, OTHER_RESIDENT, OTHER_BOOKING } = process.env;
const PHONE = "13800001111";

// An 18-digit ID number from its first 17 digits (GB 11643 check character).
function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((t, c, i) => t + Number(c) * weights[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

async function messages() {
  return (await (await fetch(`${SMS}/messages`)).json()).filter((m) => m.phone === PHONE);
}

// A POST of the page's own session (its cookie), as a script on the page would make it.
async function apiStatus(page, procedure, body) {
  return page.evaluate(async (p, b) => (await fetch(`/${p}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) })).status,
    procedure, body);
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// A page's screenshot at 1366×768 and on a phone (390×844), full length.
async function shots(page, SHOTS, name) {
  await page.screenshot({ path: `${SHOTS}/${name}-1366x768.png`, fullPage: true });
  await page.setViewport({ width: 390, height: 844 });
  await pause(300);
  await page.screenshot({ path: `${SHOTS}/${name}-390x844.png`, fullPage: true });
  await page.setViewport({ width: 1366, height: 768 });
  await pause(200);
}

export async function workspaces({ newPage, signIn, text, check, checkLabels, dashboard, SHOTS, PASSWORD }) {
  const id = idNumber("23010219700707124");
  // The first text message fails at the gateway: it must be retried, and sent once.
  await fetch(`${SMS}/fail?next=1&status=503`, { method: "POST" });

  // The clinic: register, book the four highs and the colorectal screening today, print the slip.
  const clinic = await newPage();
  await signIn(clinic, "nurse.wang", PASSWORD);
  await clinic.waitForSelector("#id-number");
  await clinic.type("#id-number", id);
  await clinic.keyboard.press("Enter");
  await clinic.waitForSelector("#register-form:not([hidden])");
  await clinic.type("#reg-name", "周桂芝");
  await clinic.type("#reg-phone", PHONE);
  await clinic.click("#register-form button[type=submit]");
  await clinic.waitForSelector("#pick-screenings input:not([disabled])", { timeout: 10000 });
  await checkLabels(clinic, "clinic booking");
  await clinic.click('#pick-screenings input[value="SCREENING_TYPE_FOUR_HIGHS"]');
  await clinic.click('#pick-screenings input[value="SCREENING_TYPE_COLORECTAL"]');
  const cell = `#calendar button[data-key="${TODAY}|SESSION_MORNING"]`;
  await clinic.waitForSelector(cell, { timeout: 10000 });
  check((await clinic.$eval("#book-hospital", (s) => s.selectedOptions[0].textContent)).includes("道里区人民医院"),
        "the hospital with places is not offered first");
  await clinic.click(cell);
  check(/余 17 个名额/.test(await text(clinic, "#book-choice")), `the places left (20 four-highs, 3 booked) are not shown: ${await text(clinic, "#book-choice")}`);
  await clinic.screenshot({ path: `${SHOTS}/clinic-booking-1366x768.png`, fullPage: true });
  // A double click: the second is the same request, and books nothing more.
  await clinic.$eval("#book-confirm", (b) => { b.click(); b.click(); });
  await clinic.waitForSelector("#slip", { timeout: 10000 });
  const code = (await text(clinic, "#slip-code")).trim();
  check(/^\d{6}$/.test(code), `no verification code on the slip: "${code}"`);
  const slip = await text(clinic, "#slip");
  for (const wanted of ["道里区人民医院", "安静街1号", "上午", "空腹", "采样盒", "230102********"]) {
    check(slip.includes(wanted), `the slip lacks "${wanted}"`);
  }
  check(!slip.includes(id), "the slip shows the full ID number");
  await clinic.waitForSelector("#booking-table tbody tr");
  check((await clinic.$$("#booking-table tbody tr")).length === 1, "a double click booked twice");
  await clinic.evaluate(() => window.scrollTo(0, 0));
  await clinic.emulateMediaType("print");
  await clinic.screenshot({ path: `${SHOTS}/clinic-slip-print.png` });
  await clinic.emulateMediaType("screen");
  await clinic.screenshot({ path: `${SHOTS}/clinic-booked-1366x768.png`, fullPage: true });

  // A list imported from a CSV file: progress, the bad row in a table that
  // downloads, and the same file again stores nothing more.
  const good = idNumber("23010219700606222");
  const badId = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
  const csvPath = `${SHOTS}/import.csv`;
  writeFileSync(csvPath, "\ufeff身份证号,姓名,手机号,户籍类型\r\n" +
    `${idNumber("23010219700505111")},王建国,13700000001,户籍\r\n` +
    `${idNumber("23010219700505113")},王建国,13700000001,常住\r\n` +
    `${good},李梅,13700000002,户籍\r\n${badId},张错号,13700000003,户籍\r\n`);
  await clinic.click('[data-tab="import"]');
  const downloads = `${SHOTS}/downloads`;
  mkdirSync(downloads, { recursive: true });
  await (await clinic.createCDPSession()).send("Browser.setDownloadBehavior", {
    behavior: "allow", downloadPath: downloads, browserContextId: clinic.browserContext().id });
  for (const round of [1, 2]) {
    await (await clinic.$("#import-file")).uploadFile(csvPath);
    await clinic.waitForFunction(() => document.querySelector("#import-summary")?.textContent?.includes("4 行"));
    await clinic.click("#import-start");
    await clinic.waitForFunction(() => document.querySelector("#import-summary")?.textContent?.includes("导入完成"),
                                 { timeout: 10000 });
    const summary = await text(clinic, "#import-summary");
    check(summary.includes(round === 1 ? "新登记 3 人，已登记过 0 人，有误 1 行" : "新登记 0 人，已登记过 3 人，有误 1 行"),
          `import round ${round}: ${summary}`);
  }
  check((await text(clinic, "#import-error-table")).includes("张错号"), "the refused row is not listed");
  // The same list as an Excel file: read in the page, and nothing new.
  const xlsxPath = `${SHOTS}/import.xlsx`;
  const lines = readFileSync(csvPath, "utf8").replace(/^\ufeff/, "").trim().split("\r\n");
  await writeXlsxFile(lines.map((line) => line.split(",").map((value) => ({ value }))), { filePath: xlsxPath });
  await (await clinic.$("#import-file")).uploadFile(xlsxPath);
  await clinic.waitForFunction(() => document.querySelector("#import-summary")?.textContent?.includes("import.xlsx：4 行"));
  await clinic.click("#import-start");
  await clinic.waitForFunction(() => document.querySelector("#import-summary")?.textContent?.includes("导入完成"),
                               { timeout: 10000 });
  check((await text(clinic, "#import-summary")).includes("新登记 0 人，已登记过 3 人，有误 1 行"),
        `the Excel import: ${await text(clinic, "#import-summary")}`);
  await checkLabels(clinic, "import");
  await shots(clinic, SHOTS, "clinic-import");
  await clinic.click("#download-errors");
  let errorCsv = [];
  for (let i = 0; i < 50 && errorCsv.length === 0; ++i) {
    await pause(100);
    errorCsv = readdirSync(downloads).filter((f) => f.includes("错误行"));
  }
  check(errorCsv.length === 1 && readFileSync(`${downloads}/${errorCsv[0]}`, "utf8").includes(badId),
        "the table of refused rows did not download");
  // The district's residents with what each has booked and done, and the
  // two 王建国 as a possible duplicate.
  await clinic.click('[data-tab="residents"]');
  await clinic.waitForSelector("#resident-table", { timeout: 10000 });
  await clinic.waitForFunction(() => document.querySelector("#duplicates")?.textContent?.includes("王建国"),
                               { timeout: 10000 });
  await checkLabels(clinic, "residents");
  await shots(clinic, SHOTS, "clinic-residents");
  // Opened from the list, the resident is flagged as a possible duplicate.
  await clinic.click('::-p-xpath(//div[@class="duplicate-group"][contains(., "王建国")]//button)');
  await clinic.waitForSelector("#duplicate-flag:not([hidden])", { timeout: 10000 });
  check((await text(clinic, "#duplicate-flag")).includes("可能重复登记"), "the possible duplicate is not flagged");

  // 李梅 books today, moves to tomorrow's one place; 王建国 finds it full
  // and waits; 李梅 cancels (a reason given) and 王建国 is given the place.
  const lookUp = async (who) => {
    await clinic.$eval("#id-number", (e) => (e.value = ""));
    await clinic.type("#id-number", who);
    await clinic.keyboard.press("Enter");
    await clinic.waitForSelector("#pick-screenings input:not([disabled])", { timeout: 10000 });
    await clinic.waitForFunction(() => !document.querySelector("#booking-list")?.textContent?.includes("正在读取"));
  };
  const fourHighs = '#pick-screenings input[value="SCREENING_TYPE_FOUR_HIGHS"]';
  await lookUp(good);
  await clinic.click(fourHighs);
  await clinic.waitForSelector(cell, { timeout: 10000 });
  await clinic.click(cell);
  await clinic.click("#book-confirm");
  await clinic.waitForSelector("#booking-table tbody tr", { timeout: 10000 });
  await clinic.click('#booking-table button[data-action="move"]');
  const tomorrowCell = `#calendar button[data-key="${TOMORROW}|SESSION_MORNING"]`;
  await clinic.waitForSelector(`${tomorrowCell}:not(.full)`, { timeout: 10000 });
  await clinic.click(tomorrowCell);
  check((await text(clinic, "#book-confirm")).includes("改约"), "the calendar is not moving the booking");
  await clinic.click("#book-confirm");
  await clinic.waitForFunction((d) => document.querySelector("#booking-table")?.textContent?.includes(d), { timeout: 10000 },
                               `${Number(TOMORROW.slice(5, 7))}月${Number(TOMORROW.slice(8, 10))}日`);
  check((await clinic.$$("#booking-table tbody tr")).length === 1, "the move left two bookings");
  const moved = await clinic.$eval("#booking-table tbody tr", (tr) => tr.dataset.name);
  await lookUp(idNumber("23010219700505111"));
  await clinic.click(fourHighs);
  await clinic.waitForSelector(`${tomorrowCell}.full`, { timeout: 10000 });
  await clinic.click(tomorrowCell);
  await clinic.waitForSelector("#book-waitlist:not([hidden])");
  await clinic.click("#book-waitlist");
  await clinic.waitForSelector('#waitlist-table tr[data-state="WAITLIST_STATE_WAITING"]', { timeout: 10000 });
  await clinic.screenshot({ path: `${SHOTS}/clinic-waitlist-1366x768.png`, fullPage: true });
  await lookUp(good);
  await clinic.click(`#booking-table tr[data-name="${moved}"] button[data-action="cancel"]`);
  await clinic.waitForSelector("#cancel-form:not([hidden])");
  await clinic.select("#cancel-reason", "CANCEL_REASON_RESIDENT_UNABLE");
  await clinic.click('#cancel-form button[type="submit"]');
  await clinic.waitForFunction(() => document.querySelector("#booking-table")?.textContent?.includes("已取消（居民无法按时到院）"),
                               { timeout: 10000 });
  await clinic.click("#promoted summary");
  await clinic.waitForFunction(() => document.querySelector("#promoted-table")?.textContent?.includes("王建国"),
                               { timeout: 10000 });
  check(/\d{6}/.test(await text(clinic, "#promoted-table")), "the promoted booking's code is not shown");
  await clinic.screenshot({ path: `${SHOTS}/clinic-promoted-1366x768.png`, fullPage: true });
  await clinic.click("#promoted summary");

  // A pregnancy: registered from the last period, the NIPT window shown as dates.
  const mother = idNumber("23010219960303128");
  await clinic.$eval("#id-number", (e) => (e.value = ""));
  await clinic.type("#id-number", mother);
  await clinic.keyboard.press("Enter");
  await clinic.waitForSelector("#register-form:not([hidden])");
  await clinic.type("#reg-name", "刘佳");
  await clinic.click("#register-form button[type=submit]");
  await clinic.waitForSelector("#pregnancy:not([hidden]) #pregnancy-form", { timeout: 10000 });
  await clinic.click("#pregnancy-details summary");
  const day = (offset) => new Date(Date.parse(`${TODAY}T00:00:00Z`) + offset * 86400000).toISOString().slice(0, 10);
  const zh = (iso) => `${Number(iso.slice(0, 4))}年${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
  const setDate = (selector, value) => clinic.$eval(selector, (e, v) => { e.value = v; }, value);
  await setDate("#preg-lmp", day(-100));
  await setDate("#preg-consent", TODAY);
  await clinic.type("#preg-consent-doc", "NIPT-2026-001");
  await checkLabels(clinic, "pregnancy");
  await clinic.click("#pregnancy-form button[type=submit]");
  await clinic.waitForSelector("#nipt-window", { timeout: 10000 });
  check((await text(clinic, "#resident-card h2")) === "刘佳", "the registration form kept the last person's name");
  const window = await text(clinic, "#nipt-window");
  check(window.includes(`${zh(day(-16))} 至 ${zh(day(60))}`) && window.includes("采血窗口内"),
        `the NIPT window is not shown as dates: ${window}`);
  await clinic.waitForFunction(() => document.querySelector("#eligibility")?.textContent?.includes("无创产前基因检测（NIPT）：可以参加"),
                               { timeout: 10000 });
  await shots(clinic, SHOTS, "clinic-pregnancy");

  // Another district's resident: not found from this clinic, and refused by the API.
  await clinic.$eval("#id-number", (e) => (e.value = ""));
  await clinic.type("#id-number", OTHER_ID);
  await clinic.keyboard.press("Enter");
  await clinic.waitForFunction(() => document.querySelector("#clinic-message")?.textContent !== "");
  check((await text(clinic, "#clinic-message")).includes("未找到"), "another district's resident was found");
  check(!(await text(clinic, "body")).includes("外区居民"), "another district's resident's name is shown");
  check(await apiStatus(clinic, "screening.v1.RegistryService/GetResident", { name: OTHER_RESIDENT }) === 403,
        "the API gave a clinic another district's resident");
  check(await apiStatus(clinic, "screening.v1.SchedulingService/ListResidentBookings", { resident: OTHER_RESIDENT }) === 403,
        "the API listed another district's bookings to a clinic");

  // The hospital: today's roster names her; a wrong code says how many tries are left.
  const hospital = await newPage();
  await signIn(hospital, "doctor.zhao", PASSWORD);
  await hospital.waitForSelector("table.roster", { timeout: 10000 });
  await checkLabels(hospital, "hospital roster");
  const herRow = '::-p-xpath(//tr[td[2][text()="周桂芝"]])';
  const row = await hospital.waitForSelector(herRow, { timeout: 10000 });
  check(!(await text(hospital, "#roster")).includes("外区居民"), "another hospital's booking is on the roster");
  const codeInput = await row.$(".code-input");
  await codeInput.type(code === "000000" ? "111111" : "000000");
  await (await row.$('button[data-action="check-in"]')).click();
  await hospital.waitForFunction(() => document.querySelector("#roster-message")?.textContent?.includes("还可尝试"));
  check((await text(hospital, "#roster-message")).includes("还可尝试 4 次"), "the attempts left are not shown");
  await codeInput.evaluate((e) => (e.value = ""));
  await codeInput.type(code);
  await codeInput.press("Enter");  // the keyboard alone checks in
  await hospital.waitForSelector("#r-fourHighs", { timeout: 10000 }).catch(async () => {
    await hospital.screenshot({ path: `${SHOTS}/hospital-check-in-failed.png`, fullPage: true });
    throw new Error(`check-in: "${await text(hospital, "#roster-message")}"`);
  });
  // Out of bounds: the API's limit, said in Chinese, as typed and on saving.
  const field = (key) => `#r-fourHighs-${key}`;
  const values = { systolicMmhg: "400", diastolicMmhg: "95", fastingGlucoseMmolL: "5.4", totalCholesterolMmolL: "5.0",
                   ldlCholesterolMmolL: "3.0", hdlCholesterolMmolL: "1.2", triglyceridesMmolL: "1.6", uricAcidUmolL: "350" };
  for (const [key, value] of Object.entries(values)) await hospital.type(field(key), value);
  await hospital.waitForFunction(() =>
    document.querySelector('#r-fourHighs [data-error="systolicMmhg"]')?.textContent?.includes("60–300"), { timeout: 5000 });
  await hospital.click('#r-fourHighs button[type="submit"]');
  await hospital.waitForFunction(() => document.querySelector("#r-fourHighs .form-message")?.textContent?.includes("范围"));
  await hospital.screenshot({ path: `${SHOTS}/hospital-refused-1366x768.png`, fullPage: true });
  check((await text(hospital, "#r-fourHighs .recorded")) === "", "a refused result shows as recorded");
  // Conventional units are converted as typed.
  await hospital.select('#r-fourHighs select[data-unit="glucose"]', "CONCENTRATION_UNIT_MG_DL");
  await hospital.$eval(field("fastingGlucoseMmolL"), (e) => (e.value = ""));
  await hospital.type(field("fastingGlucoseMmolL"), "97");
  await hospital.waitForFunction(() =>
    document.querySelector('#r-fourHighs [data-for="fastingGlucoseMmolL"]')?.textContent?.includes("5.39 mmol/L"));
  await hospital.$eval(field("systolicMmhg"), (e) => (e.value = ""));
  await hospital.type(field("systolicMmhg"), "150");
  await hospital.waitForFunction(() => document.querySelector("#r-fourHighs .preview")?.textContent?.includes("1级高血压"),
                                 { timeout: 5000 });
  const before = Number(await dashboard.$eval("#totals .big strong", (e) => e.textContent));
  await hospital.click('#r-fourHighs button[type="submit"]');
  await hospital.waitForFunction(() => document.querySelector("#r-fourHighs .recorded")?.textContent?.includes("1级高血压"),
                                 { timeout: 10000 });
  await shots(hospital, SHOTS, "hospital-entry");

  // The commission's dashboard, still open, moves.
  await dashboard.waitForFunction((n) => document.querySelector("#totals .big strong")?.textContent === String(n),
                                  { timeout: 5000 }, before + 1);

  // An amendment, with its reason: the second version, classified again.
  await hospital.click('#r-fourHighs button[data-action="amend"]');
  await hospital.waitForSelector("#r-fourHighs-reason", { visible: true });
  await hospital.$eval(field("systolicMmhg"), (e) => (e.value = ""));
  await hospital.type(field("systolicMmhg"), "165");
  await hospital.click('#r-fourHighs button[type="submit"]');
  await hospital.waitForFunction(() => document.querySelector("#r-fourHighs .form-message")?.textContent?.includes("更正原因"));
  await hospital.type("#r-fourHighs-reason", "录入错误：收缩压应为165");
  await hospital.click('#r-fourHighs button[type="submit"]');
  await hospital.waitForFunction(() => document.querySelector("#r-fourHighs .recorded")?.textContent?.includes("第2版"),
                                 { timeout: 10000 });
  check((await text(hospital, "#r-fourHighs .recorded")).includes("2级高血压"), "the amendment is not classified again");

  // The letter: each result and what it means, the ID number masked.
  await (await (await hospital.waitForSelector(herRow)).$('button[data-action="letter"]')).click();
  await hospital.waitForSelector("#letter-results", { timeout: 10000 });
  const letter = await text(hospital, "#letter");
  check(letter.includes("周桂芝") && letter.includes("2级高血压") && letter.includes("结果尚未出具"),
        `the letter is not right: ${letter.slice(0, 200)}`);
  check(!letter.includes(id) && letter.includes("230102********"), "the letter shows the full ID number");
  await hospital.evaluate(() => window.scrollTo(0, 0));
  await hospital.emulateMediaType("print");
  await hospital.screenshot({ path: `${SHOTS}/hospital-letter-print.png` });
  await hospital.emulateMediaType("screen");
  await hospital.setViewport({ width: 390, height: 844 });
  await pause(300);
  await hospital.screenshot({ path: `${SHOTS}/hospital-390x844.png`, fullPage: true });

  // Results still missing, and the referral her result opened (to her
  // family doctor), overdue ones first; the follow-up recorded closes it.
  await hospital.setViewport({ width: 1366, height: 768 });
  await hospital.click('[data-tab="missing"]');
  await hospital.waitForFunction(() => document.querySelector("#missing")?.textContent?.includes("缺"), { timeout: 10000 });
  await hospital.click('[data-tab="referrals"]');
  const referralRow = '::-p-xpath(//table[@id="referral-table"]//tr[td[2][text()="周桂芝"]])';
  await hospital.waitForSelector(referralRow, { timeout: 10000 });
  check((await text(hospital, "#referral-table")).includes("家庭医生随访"), "the family doctor's referral is not listed");
  await checkLabels(hospital, "referrals");
  await (await (await hospital.$(referralRow)).$('button[data-action="follow-up"]')).click();
  await hospital.waitForSelector("#follow-up-form:not([hidden])");
  await hospital.select("#follow-up-finding", "FOLLOW_UP_FINDING_CONDITION_CONFIRMED");
  await hospital.type("#follow-up-note", "确诊高血压，已纳入慢病管理");
  await hospital.click('#follow-up-form button[type="submit"]');
  await hospital.waitForFunction(() => document.querySelector("#referral-message")?.textContent?.includes("随访已记录"),
                                 { timeout: 10000 });
  await hospital.select("#referral-status", "REFERRAL_STATUS_COMPLETED");
  await hospital.waitForFunction(() => [...document.querySelectorAll("#referral-table tr")].some((tr) =>
    tr.textContent.includes("周桂芝") && tr.textContent.includes("已完成：确诊（慢病）")), { timeout: 10000 })
    .catch(() => { throw new Error("the completed follow-up is not listed"); });
  await shots(hospital, SHOTS, "hospital-referrals");

  // Another hospital's roster and booking: refused to this session.
  check(await apiStatus(hospital, "screening.v1.SchedulingService/ListBookings",
                        { hospital: "hospitals/HRB-NG-01", date: TODAY }) === 403,
        "the API gave a hospital another hospital's roster");
  check(await apiStatus(hospital, "screening.v1.SchedulingService/GetBooking", { name: OTHER_BOOKING }) === 403,
        "the API gave a hospital another hospital's booking");

  // The resident's phone: the confirmation (retried after the failure) and
  // results-ready, once each, and no result in any text.
  let mine = [];
  for (let i = 0; i < 100; ++i) {
    mine = await messages();
    if (mine.some((m) => m.template_id === "results_ready")) break;
    await pause(100);
  }
  await pause(1000);  // anything sent twice would arrive by now
  mine = await messages();
  const confirmations = mine.filter((m) => m.template_id === "booking_confirmed");
  const ready = mine.filter((m) => m.template_id === "results_ready");
  check(confirmations.length === 1 && confirmations[0].text.includes(code),
        `confirmations: ${JSON.stringify(confirmations)}`);
  check(ready.length === 1, `results-ready messages: ${ready.length}`);
  check(mine.every((m) => !m.text.includes("高血压") && !m.text.includes(id)), "a text carries a result or the ID number");
  check(mine.filter((m) => m.template_id === "results_ready").length === 1, "the amendment sent a second results-ready");
  // The clinic sees the messages, the confirmation after two attempts.
  await clinic.$eval("#id-number", (e) => (e.value = ""));
  await clinic.type("#id-number", id);
  await clinic.keyboard.press("Enter");
  await clinic.waitForFunction(() => document.querySelector("#notification-list")?.textContent?.includes("结果已出"),
                               { timeout: 10000 });
  const listed = await text(clinic, "#notification-list");
  check(listed.includes("已发送（2次）"), `the retried confirmation is not shown: ${listed.slice(0, 300)}`);
  await clinic.screenshot({ path: `${SHOTS}/clinic-messages-1366x768.png`, fullPage: true });
  await clinic.setViewport({ width: 390, height: 844 });
  await pause(300);
  await clinic.screenshot({ path: `${SHOTS}/clinic-booked-390x844.png`, fullPage: true });
  console.log("workspaces: a clinic's and a hospital's day done in the pages");
}
