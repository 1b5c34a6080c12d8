// The quarterly report (季度报告): a draft as of the quarter's cut-off, its
// downloads (CSV and the Chinese document), the sign-off (the commission's,
// after the cut-off) and every signed version.
import { ApiError, call, Session } from "./api";
import { clock, count, DISTRICTS, download, escape, share } from "./format";

interface Report {
  programmeYear: number;
  quarter: number;
  cutoffDate: string;
  status: string;
  version: number;
  signedOffBy?: string;
  signOffTime?: string;
  correctionReason?: string;
  totals?: { personsScreened?: string; personsTarget?: string; personsShare?: number;
             niptScreened?: string; niptTarget?: string; niptShare?: number };
  districts?: { districtCode: string; districtName?: string; personsScreened?: string; personsQuota?: string;
               share?: number }[];
  referralCompletion?: number;
  csv?: string;
  documentZh?: string;
}

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "failed_precondition") return `无法签发：${error.message}`;
    if (error.code === "permission_denied") return "只有市卫健委可以签发报告。";
    if (error.code === "not_found") return "没有这个版本。";
    return error.message;
  }
  return "请求失败，请稍后再试。";
}

export function showReport(root: HTMLElement, session: Session): () => void {
  const now = new Date();
  const year = now.getFullYear();
  const quarter = Math.floor(now.getMonth() / 3) + 1;
  root.innerHTML = `
    <div class="report">
      <div class="title-row"><h1>季度报告</h1></div>
      <form class="card report-form">
        <label for="report-year">年度</label>
        <input id="report-year" type="number" min="2024" max="2100" value="${year}">
        <label for="report-quarter">季度</label>
        <select id="report-quarter">${[1, 2, 3, 4].map((q) =>
          `<option value="${q}"${q === quarter ? " selected" : ""}>第 ${q} 季度</option>`).join("")}</select>
        <label for="report-version">版本</label>
        <select id="report-version"><option value="draft">草稿（当前数据）</option></select>
        <button type="submit">查看</button>
      </form>
      <p class="error" role="alert" id="report-error"></p>
      <section id="report-body" class="card" aria-live="polite"></section>
    </div>`;
  const form = root.querySelector<HTMLFormElement>(".report-form")!;
  const body = root.querySelector<HTMLElement>("#report-body")!;
  const error = root.querySelector<HTMLElement>("#report-error")!;
  const versionSelect = root.querySelector<HTMLSelectElement>("#report-version")!;
  const selected = () => ({
    programmeYear: Number(root.querySelector<HTMLInputElement>("#report-year")!.value),
    quarter: Number(root.querySelector<HTMLSelectElement>("#report-quarter")!.value),
  });

  const listVersions = async () => {
    const options = [`<option value="draft">草稿（当前数据）</option>`];
    for (let version = 1; version < 50; ++version) {
      try {
        await call<Report>("screening.v1.ProgressService/GetQuarterlyReport", { ...selected(), version });
        options.push(`<option value="${version}">第 ${version} 版（已签发）</option>`);
      } catch {
        break;
      }
    }
    versionSelect.innerHTML = options.join("");
  };

  const show = async () => {
    error.textContent = "";
    const version = versionSelect.value;
    const request = version === "draft" ? { ...selected(), draft: true }
                                         : { ...selected(), version: Number(version) };
    let report: Report;
    try {
      report = await call<Report>("screening.v1.ProgressService/GetQuarterlyReport", request);
    } catch (e) {
      error.textContent = explain(e);
      body.innerHTML = "";
      return;
    }
    const t = report.totals ?? {};
    const signed = report.status === "REPORT_STATUS_SIGNED_OFF";
    body.innerHTML = `
      <h2>${report.programmeYear} 年第 ${report.quarter} 季度 · 截至 ${escape(report.cutoffDate)}</h2>
      <p>${signed ? `第 ${report.version} 版，${escape(report.signedOffBy ?? "")} 于 ${
        report.signOffTime ? clock(new Date(report.signOffTime)) : ""} 签发${report.correctionReason ? `（更正原因：${
        escape(report.correctionReason)}）` : ""}` : "草稿（未签发）"}</p>
      <table><thead><tr><th scope="col">指标</th><th scope="col">已完成</th><th scope="col">年度目标</th>
        <th scope="col">完成率</th></tr></thead><tbody>
        <tr><th scope="row">45–60 岁居民免费筛查（人）</th><td>${count(t.personsScreened)}</td>
          <td>${count(t.personsTarget)}</td><td>${share(t.personsShare)}</td></tr>
        <tr><th scope="row">孕妇免费无创产前基因检测（例）</th><td>${count(t.niptScreened)}</td>
          <td>${count(t.niptTarget)}</td><td>${share(t.niptShare)}</td></tr>
      </tbody></table>
      <p>转诊随访完成率：${share(report.referralCompletion)}</p>
      <div class="scroll"><table><thead><tr><th scope="col">区县</th><th scope="col">已筛查</th>
        <th scope="col">任务数</th><th scope="col">完成率</th></tr></thead><tbody>${
        (report.districts ?? []).map((d) => `<tr><th scope="row">${escape(DISTRICTS[d.districtCode] ?? d.districtCode)}</th>
          <td>${count(d.personsScreened)}</td><td>${count(d.personsQuota)}</td><td>${share(d.share)}</td></tr>`).join("")
      }</tbody></table></div>
      <div class="actions">
        <button type="button" id="download-csv">下载 CSV</button>
        <button type="button" id="download-doc">下载中文报告</button>
        ${session.role === "commission" && !signed ? `
          <label for="sign-off-reason">更正原因（第 2 版起必填）</label>
          <input id="sign-off-reason" maxlength="200">
          <button type="button" id="sign-off" class="primary">签发本季度报告</button>` : ""}
      </div>`;
    const name = `${report.programmeYear}-Q${report.quarter}${signed ? `-v${report.version}` : "-draft"}`;
    body.querySelector("#download-csv")!.addEventListener("click", () =>
      download(`screening-report-${name}.csv`, "text/csv;charset=utf-8", report.csv ?? ""));
    body.querySelector("#download-doc")!.addEventListener("click", () =>
      download(`筛查工作季度报告-${name}.md`, "text/markdown;charset=utf-8", report.documentZh ?? ""));
    body.querySelector("#sign-off")?.addEventListener("click", async () => {
      const latest = versionSelect.options.length - 1;
      try {
        await call<Report>("screening.v1.ProgressService/SignOffQuarterlyReport", {
          ...selected(), expectedVersion: latest,
          reason: body.querySelector<HTMLInputElement>("#sign-off-reason")!.value,
          requestId: crypto.randomUUID(),
        });
        await listVersions();
        versionSelect.value = String(latest + 1);
        await show();
      } catch (e) {
        error.textContent = explain(e);
      }
    });
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  root.querySelector("#report-year")!.addEventListener("change", () => listVersions());
  root.querySelector("#report-quarter")!.addEventListener("change", () => listVersions());
  listVersions().then(show);
  return () => undefined;
}
