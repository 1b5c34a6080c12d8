// The hospital's workspace (医院筛查), for a hospital account (its own
// bookings only): the day's roster by session with check-in by the
// resident's code, result entry, the result letter, results still missing,
// and referrals (overdue first) with their follow-up.
import { call, Session } from "./api";
import { escape, SCREENINGS } from "./format";
import { showLetter } from "./letter";
import {
  BOOKING_STATES, Booking, dateZh, dayZh, errorZh, hospitals, newRequestId, SESSIONS, todayInHarbin,
} from "./people";
import { showResultEntry } from "./result_entry";
import { REFERRAL_KINDS, Result } from "./result_text";

interface Referral {
  name: string;
  result: string;
  resident: string;
  kind: string;
  hospital?: string;
  referringHospital?: string;
  status: string;
  openDate: string;
  dueDate: string;
  overdue?: boolean;
  followUpDate?: string;
  finding?: string;
  note?: string;
}

const REFERRAL_STATUSES: Record<string, string> = {
  REFERRAL_STATUS_OPEN: "待随访",
  REFERRAL_STATUS_COMPLETED: "已完成",
  REFERRAL_STATUS_WITHDRAWN: "已撤销",
};
const FINDINGS: [string, string][] = [
  ["FOLLOW_UP_FINDING_NORMAL", "未见异常"],
  ["FOLLOW_UP_FINDING_PRECANCEROUS_LESION", "癌前病变"],
  ["FOLLOW_UP_FINDING_CANCER_CONFIRMED", "确诊癌症"],
  ["FOLLOW_UP_FINDING_CONDITION_CONFIRMED", "确诊（慢病）"],
  ["FOLLOW_UP_FINDING_CHROMOSOMAL_ABNORMALITY", "染色体异常"],
  ["FOLLOW_UP_FINDING_OTHER", "其他"],
  ["FOLLOW_UP_FINDING_DECLINED", "居民拒绝随访"],
];

function age(birth: string | undefined, on: string): string {
  if (!birth) return "";
  const [by, bm, bd] = birth.split("-").map(Number);
  const [y, m, d] = on.split("-").map(Number);
  return `${y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)}岁`;
}

export function showHospital(root: HTMLElement, session: Session): () => void {
  const hospital = `hospitals/${session.scope}`;
  root.innerHTML = `
    <div class="hospital">
      <div class="title-row"><h1>医院筛查</h1><span class="muted" id="hospital-name">${escape(session.scope)}</span></div>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" data-tab="roster" aria-selected="true">就诊名单</button>
        <button type="button" role="tab" data-tab="missing" aria-selected="false">待录结果</button>
        <button type="button" role="tab" data-tab="referrals" aria-selected="false">转诊随访</button>
      </div>
      <section id="tab-roster" class="card">
        <div class="inline-form"><label for="roster-date">日期</label><input id="roster-date" type="date">
          <button type="button" id="roster-refresh">刷新</button>
          <span class="muted">签到需居民出示预约核验码。</span></div>
        <p id="roster-message" class="message" role="status"></p>
        <div id="roster"></div>
      </section>
      <section id="tab-missing" class="card" hidden><div id="missing"></div></section>
      <section id="tab-referrals" class="card" hidden>
        <div class="inline-form"><label for="referral-status">状态</label>
          <select id="referral-status"><option value="REFERRAL_STATUS_OPEN">待随访（逾期在前）</option>
            <option value="REFERRAL_STATUS_COMPLETED">已完成</option><option value="REFERRAL_STATUS_WITHDRAWN">已撤销</option></select></div>
        <p id="referral-message" class="message" role="status"></p>
        <div id="referrals"></div>
      </section>
      <div id="work"></div>
    </div>`;
  const work = root.querySelector<HTMLElement>("#work")!;
  const dateInput = root.querySelector<HTMLInputElement>("#roster-date")!;
  const rosterMessage = root.querySelector<HTMLElement>("#roster-message")!;
  dateInput.value = todayInHarbin();
  hospitals().then((all) => {
    root.querySelector("#hospital-name")!.textContent = all.get(hospital)?.displayName ?? session.scope;
  }).catch(() => {});

  const loadRoster = async () => {
    const box = root.querySelector<HTMLElement>("#roster")!;
    let bookings: Booking[] = [];
    try {
      let pageToken = "";
      do {
        const page = await call<{ bookings?: Booking[]; nextPageToken?: string }>(
          "screening.v1.SchedulingService/ListBookings",
          { hospital, date: dateInput.value, pageSize: 1000, pageToken });
        bookings = bookings.concat(page.bookings ?? []);
        pageToken = page.nextPageToken ?? "";
      } while (pageToken !== "");
    } catch (error) {
      box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
      return;
    }
    const bySession = ["SESSION_MORNING", "SESSION_AFTERNOON"].map((s) => [s, bookings.filter((b) => b.session === s)] as const);
    box.innerHTML = bookings.length === 0 ? `<p class="muted">${escape(dateZh(dateInput.value))}没有预约。</p>` :
      bySession.filter(([, list]) => list.length > 0).map(([s, list]) => `
        <h2 class="sub">${SESSIONS[s]}（${list.length}人，已签到 ${list.filter((b) => b.state === "BOOKING_STATE_CHECKED_IN").length}）</h2>
        <div class="table-scroll"><table class="roster">
          <thead><tr><th>预约号</th><th>姓名</th><th>身份证号</th><th>性别/年龄</th><th>项目</th><th>状态</th><th><span class="sr-only">操作</span></th></tr></thead>
          <tbody>${list.map((b) => `<tr data-name="${escape(b.name)}" data-state="${escape(b.state)}">
            <td>${escape(b.name.replace("bookings/", ""))}</td>
            <td>${escape(b.residentCard?.fullName ?? "")}</td>
            <td>${escape(b.residentCard?.maskedIdNumber ?? "")}</td>
            <td>${b.residentCard?.sex === "SEX_MALE" ? "男" : b.residentCard?.sex === "SEX_FEMALE" ? "女" : ""} ${
              age(b.residentCard?.birthDate, b.date)}</td>
            <td>${(b.screenings ?? []).map((x) => escape(SCREENINGS[x.screeningType] ?? x.screeningType)).join("、")}</td>
            <td>${BOOKING_STATES[b.state] ?? b.state}</td>
            <td class="row-actions">${b.state === "BOOKING_STATE_ACTIVE" ? `
              <label class="sr-only" for="code-${escape(b.name.replace("bookings/", ""))}">核验码</label>
              <input class="code-input" id="code-${escape(b.name.replace("bookings/", ""))}" inputmode="numeric"
                maxlength="6" placeholder="核验码" autocomplete="off">
              <button type="button" data-action="check-in">签到</button>
              <button type="button" data-action="no-show">未到</button>` :
              b.state === "BOOKING_STATE_CHECKED_IN" ? `
              <button type="button" data-action="results">录入结果</button>
              <button type="button" data-action="letter">告知书</button>` : ""}</td></tr>`).join("")}</tbody>
        </table></div>`).join("");
    box.querySelectorAll<HTMLButtonElement>("button[data-action]").forEach((button) =>
      button.addEventListener("click", () => act(bookings.find((b) => b.name === button.closest("tr")!.dataset.name)!,
                                                 button.dataset.action!, button.closest("tr")!)));
    box.querySelectorAll<HTMLInputElement>(".code-input").forEach((input) =>
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") input.closest("tr")!.querySelector<HTMLButtonElement>('[data-action="check-in"]')!.click();
      }));
  };

  const act = async (booking: Booking, action: string, row: HTMLElement) => {
    rosterMessage.textContent = "";
    try {
      if (action === "check-in") {
        const code = row.querySelector<HTMLInputElement>(".code-input")!.value.trim();
        if (!/^\d{6}$/.test(code)) {
          rosterMessage.textContent = "请输入居民出示的6位核验码。";
          return;
        }
        await call<Booking>("screening.v1.SchedulingService/CheckIn", { name: booking.name, verificationCode: code });
        rosterMessage.textContent = `${booking.residentCard?.fullName ?? booking.name} 已签到。`;
        await loadRoster();
        const checkedIn = await call<Booking>("screening.v1.SchedulingService/GetBooking", { name: booking.name });
        await showResultEntry(work, checkedIn, () => {});
      } else if (action === "no-show") {
        await call<Booking>("screening.v1.SchedulingService/MarkNoShow", { name: booking.name });
        rosterMessage.textContent = `${booking.residentCard?.fullName ?? booking.name} 已记为未到。`;
        await loadRoster();
      } else if (action === "results") {
        await showResultEntry(work, booking, () => {});
        work.scrollIntoView({ block: "start" });
      } else {
        await showLetter(work, booking);
      }
    } catch (error) {
      rosterMessage.textContent = errorZh(error);
    }
  };

  const loadMissing = async () => {
    const box = root.querySelector<HTMLElement>("#missing")!;
    try {
      const answer = await call<{ missing?: { booking: string; date: string; screenings?: string[] }[] }>(
        "screening.v1.ResultsService/ListMissingResults", { hospital, pageSize: 200 });
      const rows = answer.missing ?? [];
      box.innerHTML = `<h2>已签到但结果未录入的就诊</h2>${rows.length === 0 ? `<p class="muted">没有缺失的结果。</p>` : `
        <div class="table-scroll"><table id="missing-table">
          <thead><tr><th>就诊日期</th><th>预约号</th><th>缺少的项目</th><th><span class="sr-only">操作</span></th></tr></thead>
          <tbody>${rows.map((m) => `<tr data-name="${escape(m.booking)}">
            <td>${escape(dayZh(m.date))}</td><td>${escape(m.booking.replace("bookings/", ""))}</td>
            <td>${(m.screenings ?? []).map((t) => escape(SCREENINGS[t] ?? t)).join("、")}</td>
            <td class="row-actions"><button type="button" data-action="results">录入结果</button></td></tr>`).join("")}</tbody>
        </table></div>`}`;
      box.querySelectorAll<HTMLButtonElement>("button[data-action]").forEach((button) =>
        button.addEventListener("click", async () => {
          const booking = await call<Booking>("screening.v1.SchedulingService/GetBooking",
            { name: button.closest("tr")!.dataset.name });
          await showResultEntry(work, booking, loadMissing);
          work.scrollIntoView({ block: "start" });
        }));
    } catch (error) {
      box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
    }
  };

  let loadingReferrals = 0;  // only the latest list shows: the status can change mid-load
  const loadReferrals = async () => {
    const mine = ++loadingReferrals;
    const box = root.querySelector<HTMLElement>("#referrals")!;
    const status = root.querySelector<HTMLSelectElement>("#referral-status")!.value;
    let referrals: Referral[];
    try {
      referrals = (await call<{ referrals?: Referral[] }>("screening.v1.ResultsService/ListReferrals",
        { hospital, status, pageSize: 200 })).referrals ?? [];
    } catch (error) {
      if (mine === loadingReferrals) box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
      return;
    }
    referrals.sort((a, b) => Number(!!b.overdue) - Number(!!a.overdue) || a.dueDate.localeCompare(b.dueDate));
    // Who each is, where this hospital recorded the result (one it received
    // from another hospital shows its number only).
    const names = await Promise.all(referrals.map(async (r) => {
      try {
        const result = await call<Result>("screening.v1.ResultsService/GetResult", { name: r.result });
        const booking = await call<Booking>("screening.v1.SchedulingService/GetBooking", { name: result.booking });
        return booking.residentCard?.fullName ?? "";
      } catch {
        return "";
      }
    }));
    const all = await hospitals();
    if (mine !== loadingReferrals) return;
    box.innerHTML = referrals.length === 0 ? `<p class="muted">没有${REFERRAL_STATUSES[status]}的转诊。</p>` : `
      <div class="table-scroll"><table id="referral-table">
        <thead><tr><th>转诊号</th><th>居民</th><th>转诊项目</th><th>接诊机构</th><th>应完成日期</th><th>状态</th><th><span class="sr-only">操作</span></th></tr></thead>
        <tbody>${referrals.map((r, i) => `<tr data-name="${escape(r.name)}" class="${r.overdue ? "overdue" : ""}">
          <td>${escape(r.name.replace("referrals/", ""))}</td><td>${escape(names[i])}</td>
          <td>${escape(REFERRAL_KINDS[r.kind] ?? r.kind)}</td>
          <td>${escape(all.get(r.hospital ?? "")?.displayName ?? "家庭医生")}</td>
          <td>${escape(dayZh(r.dueDate))}${r.overdue ? ` <strong class="bad">已逾期</strong>` : ""}</td>
          <td>${REFERRAL_STATUSES[r.status] ?? r.status}${r.finding ? `：${
            escape(FINDINGS.find(([code]) => code === r.finding)?.[1] ?? r.finding)}` : ""}</td>
          <td class="row-actions">${r.status === "REFERRAL_STATUS_OPEN"
            ? `<button type="button" data-action="follow-up">记录随访</button>` : ""}</td></tr>`).join("")}</tbody>
      </table></div>
      <form id="follow-up-form" class="inline-form" hidden>
        <label for="follow-up-date">随访日期</label><input id="follow-up-date" type="date">
        <label for="follow-up-finding">结论</label>
        <select id="follow-up-finding">${FINDINGS.map(([code, label]) => `<option value="${code}">${label}</option>`).join("")}</select>
        <label for="follow-up-note">备注</label><input id="follow-up-note" autocomplete="off">
        <button type="submit" class="primary">保存随访</button>
      </form>`;
    const form = box.querySelector<HTMLFormElement>("#follow-up-form");
    let chosen = "";
    let requestId = "";
    box.querySelectorAll<HTMLButtonElement>('button[data-action="follow-up"]').forEach((button) =>
      button.addEventListener("click", () => {
        chosen = button.closest("tr")!.dataset.name!;
        requestId = newRequestId("follow-up");
        form!.hidden = false;
        box.querySelector<HTMLInputElement>("#follow-up-date")!.value = todayInHarbin();
        box.querySelector<HTMLSelectElement>("#follow-up-finding")!.focus();
      }));
    form?.addEventListener("submit", async (event) => {
      event.preventDefault();
      const message = root.querySelector<HTMLElement>("#referral-message")!;
      try {
        await call<Referral>("screening.v1.ResultsService/RecordFollowUp", {
          name: chosen, followUpDate: box.querySelector<HTMLInputElement>("#follow-up-date")!.value,
          finding: box.querySelector<HTMLSelectElement>("#follow-up-finding")!.value,
          note: box.querySelector<HTMLInputElement>("#follow-up-note")!.value.trim(), requestId });
        message.textContent = "随访已记录。";
        await loadReferrals();
      } catch (error) {
        message.textContent = errorZh(error);
      }
    });
  };

  const tabs = [...root.querySelectorAll<HTMLButtonElement>("[data-tab]")];
  tabs.forEach((tab) => tab.addEventListener("click", () => {
    tabs.forEach((t) => t.setAttribute("aria-selected", String(t === tab)));
    for (const name of ["roster", "missing", "referrals"]) {
      root.querySelector<HTMLElement>(`#tab-${name}`)!.hidden = name !== tab.dataset.tab;
    }
    work.innerHTML = "";
    if (tab.dataset.tab === "roster") loadRoster();
    else if (tab.dataset.tab === "missing") loadMissing();
    else loadReferrals();
  }));
  dateInput.addEventListener("change", loadRoster);
  root.querySelector("#roster-refresh")!.addEventListener("click", loadRoster);
  root.querySelector("#referral-status")!.addEventListener("change", loadReferrals);
  loadRoster();
  return () => {};
}
