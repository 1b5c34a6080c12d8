// The resident's result letter (筛查结果告知书), printed by the hospital:
// each result of the visit and what it means, and the referral if any (where,
// by when). The ID number is masked; the stylesheet prints the letter alone.
import { call } from "./api";
import { escape, SCREENINGS } from "./format";
import { Booking, dateZh, hospitals, SESSIONS } from "./people";
import { meaningOf, REFERRAL_KINDS, Result } from "./result_text";
import { showPaper } from "./slip";

interface Referral {
  name: string;
  kind: string;
  hospital?: string;
  dueDate?: string;
  status: string;
}

export async function showLetter(holder: HTMLElement, booking: Booking): Promise<void> {
  const [all, answer] = await Promise.all([
    hospitals(),
    call<{ results?: Result[] }>("screening.v1.ResultsService/ListResults",
      { hospital: booking.hospital, booking: booking.name, pageSize: 50 }),
  ]);
  // The latest version of each screening's counted result (a failed sample
  // is followed by its recollection).
  const latest = new Map<string, Result>();
  for (const r of answer.results ?? []) {
    const seen = latest.get(r.screeningType);
    if (!seen || (r.countsAsScreened && !seen.countsAsScreened) ||
        (r.countsAsScreened === seen.countsAsScreened && (r.version ?? 0) >= (seen.version ?? 0))) {
      latest.set(r.screeningType, r);
    }
  }
  const referrals = new Map<string, Referral>();
  await Promise.all([...latest.values()].filter((r) => r.referral).map(async (r) => {
    referrals.set(r.referral!, await call<Referral>("screening.v1.ResultsService/GetReferral",
      { name: r.referral }));
  }));
  const card = booking.residentCard ?? {};
  const hospital = all.get(booking.hospital);
  const rows = (booking.screenings ?? []).map((s) => {
    const result = latest.get(s.screeningType);
    const label = escape(SCREENINGS[s.screeningType] ?? s.screeningType);
    if (!result) return `<tr><td>${label}</td><td class="muted" colspan="2">结果尚未出具</td></tr>`;
    const meaning = meaningOf(result);
    const referral = result.referral ? referrals.get(result.referral) : undefined;
    const by = referral ? escape(dateZh(referral.dueDate ?? "")) : "";
    const where = referral ? all.get(referral.hospital ?? "")?.displayName : undefined;
    const advice = !referral || referral.status !== "REFERRAL_STATUS_OPEN"
      ? (meaning.positive ? "请遵医嘱进一步检查。" : "请保持健康生活方式，按期复查。")
      : where === undefined ? `请于 ${by} 前联系所在社区的家庭医生随访。`
      : `请于 ${by} 前到${escape(where)}做${escape(REFERRAL_KINDS[referral.kind] ?? "进一步检查")}。`;
    return `<tr data-screening="${escape(s.screeningType)}"><td>${label}</td>
      <td class="${meaning.positive ? "bad" : "good"}">${meaning.findings.map(escape).join("；")}</td>
      <td>${advice}</td></tr>`;
  }).join("");
  showPaper(holder, "letter", "筛查结果告知书", `
      <dl class="slip-facts">
        <dt>姓名</dt><dd id="letter-name">${escape(card.fullName ?? "")}</dd>
        <dt>身份证号</dt><dd id="letter-id">${escape(card.maskedIdNumber ?? "")}</dd>
        <dt>筛查医院</dt><dd>${escape(hospital?.displayName ?? booking.hospital)}</dd>
        <dt>筛查日期</dt><dd>${escape(dateZh(booking.date))} ${SESSIONS[booking.session] ?? ""}</dd>
      </dl>
      <table id="letter-results">
        <thead><tr><th>筛查项目</th><th>结果</th><th>建议</th></tr></thead>
        <tbody>${rows}</tbody>
      </table>
      <p class="slip-foot">筛查结果不等于诊断。如有不适，请及时就医。本告知书由${
        escape(hospital?.displayName ?? "")}出具，筛查免费。</p>
`, "letter");
}
