// The booking slip (筛查预约单) a clinic prints for the resident: where and
// when to go, the code to show at the desk, and what to do before. The
// stylesheet prints the slip alone.
import { escape, SCREENINGS } from "./format";
import { Booking, dateZh, dayZh, Hospital, maskId, Resident, SESSIONS } from "./people";

// What to do before the visit, as the confirmation text message says it.
export function preparation(types: string[]): string[] {
  const advice: string[] = [];
  if (types.includes("SCREENING_TYPE_FOUR_HIGHS") || types.includes("SCREENING_TYPE_GASTRIC")) {
    advice.push("抽血前需空腹8小时以上（前一晚10点后不再进食）。");
  }
  if (types.includes("SCREENING_TYPE_COLORECTAL")) {
    advice.push("请先到社区卫生服务中心领取粪便采样盒，按说明留取样本后带来。");
  }
  if (types.includes("SCREENING_TYPE_NIPT")) {
    advice.push("请携带孕期检查资料和已签署的知情同意书；无需空腹。");
  }
  advice.push("请携带本人身份证，按预约时段到院，向筛查窗口出示核验码。");
  return advice;
}

// A paper shown as a card with its print and close buttons; printing
// prints it alone (app.css). `name` says what it is (预约单, 筛查结果告知书).
export function showPaper(holder: HTMLElement, id: string, name: string, body: string,
                          extraClass = ""): void {
  holder.innerHTML = `
    <section class="card slip ${extraClass}" id="${id}" aria-label="${name}">
      <div class="slip-head">
        <h2>哈尔滨市免费筛查 · ${name}</h2>
        <div class="slip-actions">
          <button type="button" class="primary" data-paper="print">打印${name}</button>
          <button type="button" data-paper="close">关闭</button>
        </div>
      </div>${body}
    </section>`;
  holder.querySelector('[data-paper="print"]')!.addEventListener("click", () => window.print());
  holder.querySelector('[data-paper="close"]')!.addEventListener("click", () => (holder.innerHTML = ""));
  holder.querySelector<HTMLElement>(`#${id}`)!.scrollIntoView({ block: "nearest" });
}

export function showSlip(holder: HTMLElement, resident: Resident, booking: Booking,
                         hospital: Hospital | undefined): void {
  const types = (booking.screenings ?? []).map((s) => s.screeningType);
  showPaper(holder, "slip", "预约单", `
      <dl class="slip-facts">
        <dt>姓名</dt><dd>${escape(resident.fullName)}</dd>
        <dt>身份证号</dt><dd>${escape(maskId(resident.idNumber))}</dd>
        <dt>筛查项目</dt><dd>${types.map((t) => escape(SCREENINGS[t] ?? t)).join("、")}</dd>
        <dt>医院</dt><dd id="slip-hospital">${escape(hospital?.displayName ?? booking.hospital)}</dd>
        <dt>地址</dt><dd id="slip-address">${escape(hospital?.address || "请向医院咨询")}</dd>
        <dt>就诊时间</dt><dd id="slip-when">${escape(dateZh(booking.date))}（${escape(dayZh(booking.date).split(" ")[1])}）${
          SESSIONS[booking.session] ?? ""}</dd>
      </dl>
      <p class="slip-code">核验码 <strong id="slip-code">${escape(booking.verificationCode ?? "")}</strong></p>
      <h3>就诊前请注意</h3>
      <ol id="slip-preparation">${preparation(types).map((p) => `<li>${escape(p)}</li>`).join("")}</ol>
      <p class="slip-foot">预约编号 ${escape(booking.name.replace("bookings/", ""))} · 如需改约或取消，请联系社区卫生服务中心。筛查免费。</p>
`);
}
