// The clinic's workspace (社区预约), first page: find a resident by ID number
// (checked as it is typed), or register one, and see the text messages sent
// to them with their delivery status.
import { ApiError, call, Session } from "./api";
import { DISTRICTS, escape, SCREENINGS as SCREENING_NAMES } from "./format";
import { parseIdNumber } from "./idnumber";
import {
  dateZh, dayZh, errorZh, maskId, newRequestId, Resident, SESSIONS, todayInHarbin,
} from "./people";
import { showImport } from "./import";
import { showPregnancy } from "./pregnancy";
import { showResidents } from "./residents";
import { promotedFromWaitlist, showVisits } from "./visits";

interface Notification {
  name: string;
  kind: string;
  status: string;
  text: string;
  attempts?: number;
  createTime: string;
  finalTime?: string;
  lastError?: string;
}

const KINDS: Record<string, string> = {
  NOTIFICATION_KIND_BOOKING_CONFIRMED: "预约成功",
  NOTIFICATION_KIND_VISIT_REMINDER: "就诊提醒",
  NOTIFICATION_KIND_BOOKING_CHANGED: "预约变更",
  NOTIFICATION_KIND_BOOKING_CANCELLED: "预约取消",
  NOTIFICATION_KIND_WAITLIST_PLACE: "候补成功",
  NOTIFICATION_KIND_RESULTS_READY: "结果已出",
  NOTIFICATION_KIND_REFERRAL_DUE: "建议复查",
  NOTIFICATION_KIND_REFERRAL_OVERDUE: "复查逾期",
};
const STATUSES: Record<string, string> = {
  NOTIFICATION_STATUS_PENDING: "待发送",
  NOTIFICATION_STATUS_SENT: "已发送",
  NOTIFICATION_STATUS_FAILED: "发送失败",
  NOTIFICATION_STATUS_DECLINED: "居民拒收",
  NOTIFICATION_STATUS_NO_PHONE: "无手机号",
  NOTIFICATION_STATUS_EXPIRED: "已过期未发",
};

const shortTime = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
  hour12: false,
});

const SCREENINGS: [string, string][] = [
  ["SCREENING_TYPE_COLORECTAL", "结直肠癌筛查"],
  ["SCREENING_TYPE_GASTRIC", "胃癌筛查"],
  ["SCREENING_TYPE_FOUR_HIGHS", "“四高”筛查"],
  ["SCREENING_TYPE_NIPT", "无创产前基因检测（NIPT）"],
];

interface Reason { code: string; message: string }

// A reason in plain Chinese, from its stable code (the message is English).
function reasonZh(reason: Reason, age: number): string {
  const range = /covers (\d+)\D+(\d+)/.exec(reason.message);
  const covers = range ? `本项目覆盖${range[1]}–${range[2]}岁` : "";
  switch (reason.code) {
    case "AGE_BELOW_MIN": return `年龄${age}岁，未到筛查年龄（${covers}）`;
    case "AGE_ABOVE_MAX": return `年龄${age}岁，超出筛查年龄（${covers}）`;
    case "DIGESTIVE_CANCER_HISTORY": return "有消化道恶性肿瘤病史，不做结直肠癌和胃癌筛查，请专科随访";
    case "NIPT_NOT_FEMALE": return "无创产前基因检测仅限孕妇";
    case "NIPT_NO_PREGNANCY": return "尚未登记孕情，请先登记孕情";
    case "NIPT_TOO_EARLY": return "孕周未到（孕12周起可采血）";
    case "NIPT_TOO_LATE": return "已超过采血孕周（孕22周+6天前）";
    case "NIPT_CONSENT_MISSING": return "尚未签署知情同意书";
    case "NO_PROGRAMME": return "本年度未设筛查项目";
  }
  if (reason.code.startsWith("NIPT_CONTRAINDICATION_")) return "存在禁忌情形，不宜做无创产前基因检测";
  if (reason.code.startsWith("NIPT_NOT_APPLICABLE_")) return "不适用无创产前基因检测，请咨询产科";
  return reason.message;
}

function fieldErrors(error: unknown): string {
  if (error instanceof ApiError && error.code === "already_exists") return "该身份证号已登记。";
  if (error instanceof ApiError && error.code === "permission_denied") {
    return "该居民不属于本社区，无权查看。";
  }
  return errorZh(error);
}

export function showClinic(root: HTMLElement, session: Session): () => void {
  const district = DISTRICTS[session.scope] ?? session.scope;
  root.innerHTML = `
    <div class="clinic">
      <div class="title-row"><h1>社区预约</h1><span class="muted">${escape(district)}（${escape(session.scope)}）</span></div>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" data-tab="resident" aria-selected="true">居民查询与登记</button>
        <button type="button" role="tab" data-tab="residents" aria-selected="false">本区居民</button>
        <button type="button" role="tab" data-tab="import" aria-selected="false">批量导入</button>
      </div>
      <div id="tab-residents" hidden></div>
      <div id="tab-import" hidden></div>
      <div id="tab-resident">
      <form class="card find" id="find-resident" novalidate>
        <label for="id-number">身份证号</label>
        <input id="id-number" inputmode="text" autocomplete="off" maxlength="18"
               placeholder="18位，或15位旧号码" aria-describedby="id-facts">
        <button type="submit">查找</button>
        <p id="id-facts" class="id-facts" aria-live="polite"></p>
      </form>
      <p id="clinic-message" class="message" role="status"></p>
      <details class="card" id="promoted">
        <summary>候补转正名单（本区居民从候补获得的名额）</summary>
        <div id="promoted-list"><p class="muted">正在读取……</p></div>
      </details>
      <section id="resident-card" class="card" hidden></section>
      <form id="register-form" class="card account-form" hidden>
        <h2>登记新居民</h2>
        <label for="reg-name">姓名</label><input id="reg-name" required autocomplete="off">
        <label for="reg-phone">手机号</label><input id="reg-phone" inputmode="numeric" maxlength="11" autocomplete="off">
        <label for="reg-residence">户籍类型</label>
        <select id="reg-residence">
          <option value="RESIDENCE_KIND_REGISTERED">户籍居民</option>
          <option value="RESIDENCE_KIND_HABITUAL">常住居民（非户籍）</option>
        </select>
        <label for="reg-history">消化道肿瘤病史</label>
        <select id="reg-history"><option value="no">无</option><option value="yes">有</option></select>
        <label for="reg-sms">短信通知</label>
        <select id="reg-sms"><option value="yes">接收</option><option value="no">不接收</option></select>
        <button type="submit">登记</button>
      </form>
      <section id="pregnancy" class="card" hidden></section>
      <div id="visits" hidden></div>
      <section id="notifications" class="card" hidden></section>
      </div>
    </div>`;
  const input = root.querySelector<HTMLInputElement>("#id-number")!;
  const facts = root.querySelector<HTMLElement>("#id-facts")!;
  const message = root.querySelector<HTMLElement>("#clinic-message")!;
  const card = root.querySelector<HTMLElement>("#resident-card")!;
  const form = root.querySelector<HTMLFormElement>("#register-form")!;
  const list = root.querySelector<HTMLElement>("#notifications")!;
  const visits = root.querySelector<HTMLElement>("#visits")!;
  const pregnancy = root.querySelector<HTMLElement>("#pregnancy")!;

  let registerRequestId = "";
  const typed = () => parseIdNumber(input.value, new Date());
  input.addEventListener("input", () => {
    const parsed = typed();
    facts.classList.toggle("bad", parsed !== null && "error" in parsed);
    if (parsed === null) facts.textContent = "";
    else if ("error" in parsed) facts.textContent = parsed.error;
    else {
      facts.textContent = `出生日期 ${dateZh(parsed.birth)} · ${parsed.male ? "男" : "女"} · ${parsed.age}岁` +
        (input.value.trim().length === 15 ? ` · 旧号码，即 ${parsed.canonical}` : "");
    }
  });

  const showResident = async (resident: Resident) => {
    form.hidden = true;
    card.hidden = false;
    card.innerHTML = `
      <h2>${escape(resident.fullName)}</h2>
      <dl class="facts">
        <dt>身份证号</dt><dd>${escape(maskId(resident.idNumber))}</dd>
        <dt>出生日期</dt><dd>${escape(dateZh(resident.birthDate))}</dd>
        <dt>性别</dt><dd>${resident.sex === "SEX_MALE" ? "男" : "女"}</dd>
        <dt>所在区县</dt><dd>${escape(DISTRICTS[resident.districtCode] ?? resident.districtCode)}</dd>
        <dt>手机号</dt><dd>${escape(resident.phone || "未登记")}</dd>
        <dt>短信通知</dt><dd>${resident.smsDeclined ? "不接收" : "接收"}</dd>
      </dl>
      <p id="duplicate-flag" class="note" hidden></p>
      <h2 class="sub">筛查资格（按今日核对）</h2>
      <ul id="eligibility" class="eligibility"><li class="muted">正在核对……</li></ul>`;
    flagDuplicate(resident);
    const date = todayInHarbin();
    const answers = await Promise.all(SCREENINGS.map(([type]) =>
      call<{ eligible?: boolean; reasons?: Reason[]; ageOnDate?: number; pregnancy?: string }>(
        "screening.v1.RegistryService/CheckEligibility",
        { resident: resident.name, screeningType: type, date }).catch(() => null)));
    card.querySelector("#eligibility")!.innerHTML = SCREENINGS.map(([, label], i) => {
      const a = answers[i];
      if (a === null) return `<li class="unknown">${label}：暂时无法核对</li>`;
      if (a.eligible) return `<li class="ok" data-eligible="yes">${label}：可以参加</li>`;
      return `<li class="no" data-eligible="no">${label}：不符合——${
        (a.reasons ?? []).map((r) => escape(reasonZh(r, a.ageOnDate ?? 0))).join("；")}</li>`;
    }).join("");
    const eligible = new Map<string, string>();  // screening type -> pregnancy ("" if none)
    SCREENINGS.forEach(([type], i) => {
      if (answers[i]?.eligible) eligible.set(type, answers[i]?.pregnancy ?? "");
    });
    const nipt = SCREENINGS.findIndex(([type]) => type === "SCREENING_TYPE_NIPT");
    await showPregnancy(pregnancy, resident, answers[nipt]?.pregnancy ?? "", () => {
      // NIPT may now be bookable: check again.
      setTimeout(() => showResident(resident), 1200);
    });
    visits.hidden = false;
    await showVisits(visits, resident, eligible, () => {
      // The text for a change is sent from its event, a moment after it.
      showNotifications(resident);
      setTimeout(() => showNotifications(resident), 2500);
    });
    await showNotifications(resident);
  };

  // Someone else with her name, birth date and phone: perhaps one person
  // registered twice under a mistyped ID number.
  const flagDuplicate = async (resident: Resident) => {
    const answer = await call<{ groups?: { residents?: Resident[] }[] }>(
      "screening.v1.RegistryService/ListPossibleDuplicates",
      { districtCode: resident.districtCode, resident: resident.name }).catch(() => null);
    const others = (answer?.groups?.[0]?.residents ?? []).filter((r) => r.name !== resident.name);
    const flag = card.querySelector<HTMLElement>("#duplicate-flag");
    if (!flag || others.length === 0) return;
    flag.hidden = false;
    flag.textContent = `可能重复登记：与 ${others.map((r) => `${r.fullName}（${maskId(r.idNumber)}）`).join("、")
      } 的姓名、出生日期和手机号相同，请核实身份证号。`;
  };

  const showNotifications = async (resident: Resident) => {
    const answer = await call<{ notifications?: Notification[] }>(
      "screening.v1.NotificationService/ListNotifications", { resident: resident.name, pageSize: 50 });
    const rows = answer.notifications ?? [];
    list.hidden = false;
    list.innerHTML = `<h2>短信记录</h2>${rows.length === 0 ? `<p class="muted">尚无短信。</p>` : `
      <div class="table-scroll"><table id="notification-list">
        <thead><tr><th>时间</th><th>类型</th><th>状态</th><th>内容</th></tr></thead>
        <tbody>${rows.map((n) => `<tr data-status="${escape(n.status)}">
          <td>${escape(shortTime.format(new Date(n.createTime)))}</td>
          <td>${escape(KINDS[n.kind] ?? n.kind)}</td>
          <td>${escape(STATUSES[n.status] ?? n.status)}${(n.attempts ?? 0) > 1 ? `（${n.attempts}次）` : ""}</td>
          <td class="sms-text">${escape(n.text)}</td></tr>`).join("")}</tbody>
      </table></div>`}`;
  };

  root.querySelector<HTMLFormElement>("#find-resident")!.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    card.hidden = true;
    list.hidden = true;
    visits.hidden = true;
    pregnancy.hidden = true;
    pregnancy.innerHTML = "";
    visits.innerHTML = "";  // nothing of the last person stays to be clicked
    const parsed = typed();
    if (parsed === null || "error" in parsed) {
      message.textContent = parsed === null ? "请输入完整的身份证号。" : parsed.error;
      return;
    }
    try {
      await showResident(await call<Resident>("screening.v1.RegistryService/LookupResident",
        { idNumber: parsed.canonical }));
    } catch (error) {
      if (error instanceof ApiError && error.code === "not_found") {
        message.textContent = "未找到该居民，请登记。";
        form.reset();  // nothing of the last person registered carries over
        form.hidden = false;
        // One registration per form shown: a double click or a retry registers once.
        registerRequestId = newRequestId("reg");
        root.querySelector<HTMLInputElement>("#reg-name")!.focus();
      } else {
        message.textContent = fieldErrors(error);
      }
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const parsed = typed();
    if (parsed === null || "error" in parsed) return;
    const value = (id: string) => root.querySelector<HTMLInputElement | HTMLSelectElement>(id)!.value;
    try {
      const resident = await call<Resident>("screening.v1.RegistryService/RegisterResident", {
        resident: {
          idNumber: parsed.canonical,
          fullName: value("#reg-name").trim(),
          phone: value("#reg-phone").trim(),
          districtCode: session.scope,
          residenceKind: value("#reg-residence"),
          digestiveCancerHistory: value("#reg-history") === "yes",
          smsDeclined: value("#reg-sms") === "no",
        },
        requestId: registerRequestId,
      });
      message.textContent = "登记成功。";
      await showResident(resident);
    } catch (error) {
      message.textContent = fieldErrors(error);
    }
  });
  const promoted = root.querySelector<HTMLDetailsElement>("#promoted")!;
  promoted.addEventListener("toggle", async () => {
    if (!promoted.open) return;
    const box = root.querySelector<HTMLElement>("#promoted-list")!;
    try {
      const rows = await promotedFromWaitlist(session.scope);
      box.innerHTML = rows.length === 0 ? `<p class="muted">暂无候补转正的居民。</p>` : `
        <div class="table-scroll"><table id="promoted-table">
          <thead><tr><th>居民</th><th>身份证号</th><th>项目</th><th>医院</th><th>就诊时间</th><th>核验码</th></tr></thead>
          <tbody>${rows.map((r) => `<tr>
            <td>${escape(r.resident?.fullName ?? r.entry.resident)}</td>
            <td>${escape(r.resident ? maskId(r.resident.idNumber) : "")}</td>
            <td>${escape(SCREENING_NAMES[r.entry.screeningType] ?? r.entry.screeningType)}</td>
            <td>${escape(r.hospital?.displayName ?? r.entry.hospital)}</td>
            <td>${r.booking ? `${escape(dayZh(r.booking.date))} ${SESSIONS[r.booking.session] ?? ""}` : ""}</td>
            <td class="code">${escape(r.booking?.verificationCode ?? "")}</td></tr>`).join("")}</tbody>
        </table></div>`;
    } catch (error) {
      box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
    }
  });
  const tabs = [...root.querySelectorAll<HTMLButtonElement>("[data-tab]")];
  const openTab = (name: string) => {
    tabs.forEach((t) => t.setAttribute("aria-selected", String(t.dataset.tab === name)));
    for (const t of ["resident", "residents", "import"]) {
      root.querySelector<HTMLElement>(`#tab-${t}`)!.hidden = t !== name;
    }
  };
  tabs.forEach((tab) => tab.addEventListener("click", () => {
    openTab(tab.dataset.tab!);
    if (tab.dataset.tab === "residents") {
      showResidents(root.querySelector<HTMLElement>("#tab-residents")!, session, (idNumber) => {
        openTab("resident");
        input.value = idNumber;
        input.dispatchEvent(new Event("input"));
        root.querySelector<HTMLFormElement>("#find-resident")!.requestSubmit();
      });
    } else if (tab.dataset.tab === "import") {
      showImport(root.querySelector<HTMLElement>("#tab-import")!, session);
    }
  }));
  input.focus();
  return () => {};
}
