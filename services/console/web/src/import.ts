// Importing a clinic's list (批量导入): a CSV or XLSX file read in the
// browser, sent to ImportResidentRows in chunks (two in flight) with progress,
// then a table of the rows refused that can be downloaded, fixed and sent
// again. Importing the same file again stores nothing twice: its rows come
// back as already registered.
import Papa from "papaparse";
import readXlsxFile from "read-excel-file";
import { call, Session } from "./api";
import { count, download, escape } from "./format";
import { errorZh } from "./people";

const CHUNK_ROWS = 5000;
const IN_FLIGHT = 2;

// The columns understood, by their header in Chinese or English.
const COLUMNS: Record<string, string> = {
  "身份证号": "idNumber", "id_number": "idNumber",
  "姓名": "fullName", "full_name": "fullName",
  "手机号": "phone", "phone": "phone",
  "区县代码": "districtCode", "district_code": "districtCode",
  "户籍类型": "residenceKind", "residence_kind": "residenceKind",
  "消化道肿瘤病史": "digestiveCancerHistory", "digestive_cancer_history": "digestiveCancerHistory",
  "短信通知": "sms", "sms": "sms",
};
const FIELD_NAMES: Record<string, string> = {
  "resident.id_number": "身份证号", "resident.full_name": "姓名", "resident.phone": "手机号",
  "resident.district_code": "区县代码", "resident.residence_kind": "户籍类型",
};
const yes = (v: string) => ["有", "是", "1", "yes", "true", "y"].includes(v.trim().toLowerCase());
const no = (v: string) => ["无", "否", "0", "no", "false", "n", "不接收"].includes(v.trim().toLowerCase());

interface RowError { rowNumber: string; field: string; reason: string }
interface Answer {
  rowsReceived?: string; rowsStored?: string; rowsAlreadyRegistered?: string; rowsRejected?: string;
  errors?: RowError[];
}

async function readTable(file: File): Promise<string[][]> {
  if (/\.xlsx$/i.test(file.name)) {
    const rows = await readXlsxFile(file);
    return rows.map((r) => r.map((c) => (c === null || c === undefined ? "" : c instanceof Date
      ? c.toISOString().slice(0, 10) : String(c))));
  }
  let text = await file.text();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);  // Excel's UTF-8 mark
  return Papa.parse<string[]>(text, { skipEmptyLines: "greedy" }).data;
}

// The resident a row describes, for RegisterResident's checks on the server.
function residentOf(header: string[], row: string[], district: string): Record<string, unknown> {
  const r: Record<string, unknown> = { districtCode: district, residenceKind: "RESIDENCE_KIND_REGISTERED" };
  header.forEach((key, i) => {
    const v = (row[i] ?? "").trim();
    if (key === "idNumber" || key === "fullName" || key === "phone") r[key] = v;
    else if (key === "districtCode" && v !== "") r.districtCode = v;
    else if (key === "residenceKind") r.residenceKind = v.startsWith("常住") ? "RESIDENCE_KIND_HABITUAL" : "RESIDENCE_KIND_REGISTERED";
    else if (key === "digestiveCancerHistory") r.digestiveCancerHistory = yes(v);
    else if (key === "sms") r.smsDeclined = no(v);
  });
  return r;
}

// A row's reason in Chinese where it is a common one (the API's own otherwise).
function reasonZh(reason: string): string {
  let m = /^check character should be (.)$/.exec(reason);
  if (m) return `校验码错误，末位应为 ${m[1]}`;
  m = /^birth date (.*) is in the future$/.exec(reason);
  if (m) return `出生日期 ${m[1]} 晚于今天`;
  if (reason.startsWith("must have 18 characters")) return "应为18位（或15位旧号码）";
  if (reason === "must be 17 digits and a digit or X") return "前17位应为数字，末位为数字或X";
  return reason;
}

function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",");
}

export function showImport(root: HTMLElement, session: Session): void {
  root.innerHTML = `
    <section class="card">
      <h2>批量导入居民名单</h2>
      <p class="muted">CSV（UTF-8）或 Excel（.xlsx）文件，第一行为表头：身份证号、姓名（必填），手机号、户籍类型（户籍/常住）、
        消化道肿瘤病史（有/无）、短信通知（接收/不接收）、区县代码（不填为本区）。同一文件重复导入不会重复登记。</p>
      <div class="inline-form">
        <label for="import-file">选择文件</label>
        <input id="import-file" type="file" accept=".csv,.xlsx,text/csv">
        <button type="button" id="import-start" class="primary" disabled>开始导入</button>
      </div>
      <p id="import-summary" class="message" role="status"></p>
      <div class="bar" id="import-bar" hidden><span></span></div>
      <p id="import-progress" aria-live="polite"></p>
      <div id="import-errors"></div>
    </section>`;
  const fileInput = root.querySelector<HTMLInputElement>("#import-file")!;
  const start = root.querySelector<HTMLButtonElement>("#import-start")!;
  const summary = root.querySelector<HTMLElement>("#import-summary")!;
  const bar = root.querySelector<HTMLElement>("#import-bar")!;
  const progress = root.querySelector<HTMLElement>("#import-progress")!;
  const errorsBox = root.querySelector<HTMLElement>("#import-errors")!;
  let table: string[][] = [];
  let header: string[] = [];
  let fileName = "";

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    start.disabled = true;
    errorsBox.innerHTML = "";
    progress.textContent = "";
    bar.hidden = true;
    if (!file) return;
    try {
      table = await readTable(file);
    } catch {
      summary.textContent = "无法读取该文件，请确认是 CSV（UTF-8）或 .xlsx 格式。";
      return;
    }
    fileName = file.name.replace(/\.[^.]*$/, "");
    header = (table[0] ?? []).map((h) => COLUMNS[String(h).trim()] ?? COLUMNS[String(h).trim().toLowerCase()] ?? "");
    const missing = ["idNumber", "fullName"].filter((c) => !header.includes(c));
    if (missing.length > 0) {
      summary.textContent = `表头缺少：${missing.map((c) => (c === "idNumber" ? "身份证号" : "姓名")).join("、")}。`;
      return;
    }
    summary.textContent = `${file.name}：${count(table.length - 1)} 行，识别的列：${
      (table[0] ?? []).filter((_, i) => header[i]).join("、")}。`;
    start.disabled = table.length < 2;
  });

  start.addEventListener("click", async () => {
    start.disabled = true;
    fileInput.disabled = true;
    errorsBox.innerHTML = "";
    const rows = table.slice(1);
    const chunks: { rowNumber: number; resident: Record<string, unknown> }[][] = [];
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      chunks.push(rows.slice(i, i + CHUNK_ROWS).map((row, k) => ({
        rowNumber: i + k + 2,  // the file's own line: the header is line 1
        resident: residentOf(header, row, session.scope),
      })));
    }
    const totals = { sent: 0, stored: 0, already: 0, rejected: 0 };
    const errors: RowError[] = [];
    let failed: unknown = null;
    bar.hidden = false;
    const show = () => {
      bar.querySelector("span")!.style.width = `${(100 * totals.sent) / Math.max(rows.length, 1)}%`;
      progress.textContent = `已处理 ${count(totals.sent)} / ${count(rows.length)} 行：新登记 ${count(totals.stored)}，` +
        `已登记过 ${count(totals.already)}，有误 ${count(totals.rejected)}`;
    };
    show();
    let next = 0;
    const worker = async () => {
      while (next < chunks.length && failed === null) {
        const chunk = chunks[next++];
        try {
          const answer = await call<Answer>("screening.v1.RegistryService/ImportResidentRows", { rows: chunk });
          totals.sent += chunk.length;
          totals.stored += Number(answer.rowsStored ?? 0);
          totals.already += Number(answer.rowsAlreadyRegistered ?? 0);
          totals.rejected += Number(answer.rowsRejected ?? 0);
          errors.push(...(answer.errors ?? []));
          show();
        } catch (error) {
          failed = error;
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    fileInput.disabled = false;
    fileInput.value = "";  // the same file, fixed or not, can be chosen again
    start.disabled = false;
    if (failed !== null) {
      summary.textContent = `导入中断：${errorZh(failed)} 已处理的行已保存，可重新导入同一文件（不会重复登记）。`;
    } else {
      summary.textContent = `导入完成：新登记 ${count(totals.stored)} 人，已登记过 ${count(totals.already)} 人，有误 ${count(totals.rejected)} 行。`;
    }
    if (errors.length === 0) return;
    errors.sort((a, b) => Number(a.rowNumber) - Number(b.rowNumber));
    const original = (rowNumber: string) => table[Number(rowNumber) - 1] ?? [];
    errorsBox.innerHTML = `<h2 class="sub">有误的行（${count(errors.length)} 处）</h2>
      <div class="actions"><button type="button" id="download-errors">下载错误表（CSV）</button></div>
      <div class="table-scroll"><table id="import-error-table">
        <thead><tr><th>行号</th><th>字段</th><th>原因</th><th>该行内容</th></tr></thead>
        <tbody>${errors.slice(0, 200).map((e) => `<tr><td>${escape(String(e.rowNumber))}</td>
          <td>${escape(FIELD_NAMES[e.field] ?? e.field)}</td><td>${escape(reasonZh(e.reason))}</td>
          <td>${escape(original(e.rowNumber).join("，"))}</td></tr>`).join("")}</tbody>
      </table></div>${errors.length > 200 ? `<p class="muted">仅显示前200处，完整列表请下载。</p>` : ""}`;
    errorsBox.querySelector("#download-errors")!.addEventListener("click", () => {
      // The refused rows as they were, with why, ready to fix and import again.
      const lines = [csvLine(["行号", "字段", "原因", ...(table[0] ?? [])])];
      for (const e of errors) {
        lines.push(csvLine([String(e.rowNumber), FIELD_NAMES[e.field] ?? e.field, reasonZh(e.reason),
                           ...original(e.rowNumber)]));
      }
      download(`${fileName}-错误行.csv`, "text/csv;charset=utf-8", `\ufeff${lines.join("\r\n")}\r\n`);
    });
  });
}
