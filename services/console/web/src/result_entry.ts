// Result entry at the hospital: a form for each screening of a checked-in
// visit. Values carry their units (conventional units converted as typed);
// as they are typed the server checks them and classifies them without
// storing anything (RecordResult with validate_only), so the bounds and their
// messages are the API's own and the classification shows before saving. A
// recorded result can be amended with a reason.
import { call } from "./api";
import { escape, SCREENINGS } from "./format";
import { Booking, errorZh, fieldViolations, newRequestId } from "./people";
import { meaningOf, Result, violationZh } from "./result_text";

interface NumberField {
  key: string;  // the JSON name in the measurement
  label: string;
  unit: string;
  conventional?: { group: string; unit: string; toSi: (v: number) => number };
  optional?: boolean;
  step?: string;
}

const GLUCOSE = { group: "glucose", unit: "mg/dL", toSi: (v: number) => v / 18.0 };
const CHOLESTEROL = { group: "cholesterol", unit: "mg/dL", toSi: (v: number) => v / 38.67 };
const TRIGLYCERIDES = { group: "triglycerides", unit: "mg/dL", toSi: (v: number) => v / 88.57 };
const URIC_ACID = { group: "uricAcid", unit: "mg/dL", toSi: (v: number) => v * 59.48 };

const FOUR_HIGHS: NumberField[] = [
  { key: "systolicMmhg", label: "收缩压", unit: "mmHg", step: "1" },
  { key: "diastolicMmhg", label: "舒张压", unit: "mmHg", step: "1" },
  { key: "fastingGlucoseMmolL", label: "空腹血糖", unit: "mmol/L", conventional: GLUCOSE, optional: true },
  { key: "hba1cPercent", label: "糖化血红蛋白", unit: "%", optional: true },
  { key: "totalCholesterolMmolL", label: "总胆固醇", unit: "mmol/L", conventional: CHOLESTEROL },
  { key: "ldlCholesterolMmolL", label: "低密度脂蛋白胆固醇", unit: "mmol/L", conventional: CHOLESTEROL },
  { key: "hdlCholesterolMmolL", label: "高密度脂蛋白胆固醇", unit: "mmol/L", conventional: CHOLESTEROL },
  { key: "triglyceridesMmolL", label: "甘油三酯", unit: "mmol/L", conventional: TRIGLYCERIDES },
  { key: "uricAcidUmolL", label: "血尿酸", unit: "µmol/L", conventional: URIC_ACID },
];
const GASTRIC: NumberField[] = [
  { key: "pepsinogen1UgL", label: "胃蛋白酶原Ⅰ（PGⅠ）", unit: "µg/L" },
  { key: "pepsinogen2UgL", label: "胃蛋白酶原Ⅱ（PGⅡ）", unit: "µg/L" },
  { key: "gastrin17PmolL", label: "胃泌素-17（G-17）", unit: "pmol/L" },
];
const QUESTIONNAIRE: [string, string][] = [
  ["relativeWithColorectalCancer", "一级亲属有结直肠癌史"],
  ["ownCancerHistory", "本人有癌症史"],
  ["ownIntestinalPolyps", "本人有肠道息肉史"],
  ["chronicDiarrhoea", "慢性腹泻"],
  ["chronicConstipation", "慢性便秘"],
  ["mucusOrBloodyStool", "黏液血便"],
  ["appendicitisOrAppendectomy", "慢性阑尾炎或阑尾切除史"],
  ["cholecystitisOrCholecystectomy", "慢性胆囊炎或胆囊切除史"],
  ["majorAdverseLifeEvent", "近20年有重大不良生活事件"],
];
const OUTCOMES: [string, string][] = [
  ["SAMPLE_OUTCOME_NEGATIVE", "阴性"], ["SAMPLE_OUTCOME_POSITIVE", "阳性"],
  ["SAMPLE_OUTCOME_SAMPLE_FAILED", "样本不合格"],
];
// The API's field path (four_highs.systolic_mmhg) to the form's key (systolicMmhg).
function keyOf(path: string): string {
  const last = path.split(".").slice(1).join(".");
  return last.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
// The JSON name of a measurement in RecordResultRequest and Result.
const MEASUREMENT: Record<string, string> = {
  SCREENING_TYPE_FOUR_HIGHS: "fourHighs", SCREENING_TYPE_COLORECTAL: "colorectal",
  SCREENING_TYPE_GASTRIC: "gastric", SCREENING_TYPE_NIPT: "nipt",
};

function numberInputs(fields: NumberField[], id: string): string {
  return fields.map((f) => `
    <label for="${id}-${f.key}">${f.label}${f.optional ? "" : " *"}</label>
    <span class="value"><input id="${id}-${f.key}" data-key="${f.key}" type="number" inputmode="decimal"
      step="${f.step ?? "any"}" autocomplete="off">
      ${f.conventional ? `<select data-unit="${f.conventional.group}" aria-label="${f.label}的单位">
        <option value="CONCENTRATION_UNIT_SI">${f.unit}</option>
        <option value="CONCENTRATION_UNIT_MG_DL">${f.conventional.unit}</option></select>` : `<span class="unit">${f.unit}</span>`}
      <span class="converted" data-for="${f.key}"></span></span>
    <span class="field-error" data-error="${f.key}" role="alert"></span>`).join("");
}

function formBody(type: string, id: string): string {
  switch (type) {
    case "SCREENING_TYPE_FOUR_HIGHS":
      return `${numberInputs(FOUR_HIGHS, id)}
        <label for="${id}-onAntihypertensives">正在服用降压药</label>
        <span class="value"><input id="${id}-onAntihypertensives" data-key="onAntihypertensives" type="checkbox"></span>
        <span class="field-error" data-error="onAntihypertensives"></span>`;
    case "SCREENING_TYPE_GASTRIC":
      return `${numberInputs(GASTRIC, id)}
        <label for="${id}-hPyloriIggPositive">幽门螺杆菌抗体（IgG）阳性</label>
        <span class="value"><input id="${id}-hPyloriIggPositive" data-key="hPyloriIggPositive" type="checkbox"></span>
        <span class="field-error" data-error="hPyloriIggPositive"></span>`;
    case "SCREENING_TYPE_NIPT":
      return `<label for="${id}-failed">检测失败（需重新采血）</label>
        <span class="value"><input id="${id}-failed" data-key="failed" type="checkbox"></span><span></span>
        ${[["trisomy21", "21三体"], ["trisomy18", "18三体"], ["trisomy13", "13三体"]].map(([key, label]) => `
          <label for="${id}-${key}">${label}</label>
          <span class="value"><select id="${id}-${key}" data-key="${key}">
            <option value="">（未出结果）</option><option value="NIPT_RISK_LOW">低风险</option>
            <option value="NIPT_RISK_HIGH">高风险</option></select></span>
          <span class="field-error" data-error="${key}"></span>`).join("")}`;
    default:  // colorectal
      return `<label for="${id}-method">检测方法</label>
        <span class="value"><select id="${id}-method" data-key="method">
          <option value="fit">便潜血检测（FIT，两份样本）</option><option value="dna">粪便DNA检测</option></select></span>
        <span class="field-error" data-error="fitSamples"></span>
        ${[0, 1].map((i) => `<label for="${id}-fit${i}">第${i + 1}份便潜血</label>
          <span class="value"><select id="${id}-fit${i}" data-fit="${i}"><option value="">（请选择）</option>${
            OUTCOMES.map(([v, l]) => `<option value="${v}">${l}</option>`).join("")}</select></span>
          <span class="field-error" data-error="fitSamples[${i}].outcome"></span>`).join("")}
        <label for="${id}-dna">粪便DNA</label>
        <span class="value"><select id="${id}-dna" data-key="stoolDna" disabled><option value="">（请选择）</option>${
          OUTCOMES.map(([v, l]) => `<option value="${v}">${l}</option>`).join("")}</select></span>
        <span class="field-error" data-error="stoolDna"></span>
        <fieldset class="questionnaire"><legend>高危因素问卷（勾选符合的项）</legend>${QUESTIONNAIRE.map(([key, label]) =>
          `<label class="check"><input type="checkbox" data-question="${key}">${label}</label>`).join("")}</fieldset>`;
  }
}

// The measurement as the API takes it, and the units sent.
function measurement(form: HTMLFormElement, type: string): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  const value = (key: string) => form.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-key="${key}"]`);
  if (type === "SCREENING_TYPE_COLORECTAL") {
    const method = value("method")!.value;
    const q: Record<string, boolean> = {};
    form.querySelectorAll<HTMLInputElement>("[data-question]").forEach((c) => {
      if (c.checked) q[c.dataset.question!] = true;
    });
    m.questionnaire = q;
    if (method === "fit") {
      m.fitSamples = [0, 1].map((i) => ({
        outcome: form.querySelector<HTMLSelectElement>(`[data-fit="${i}"]`)!.value || "SAMPLE_OUTCOME_UNSPECIFIED" }));
    } else {
      m.stoolDna = value("stoolDna")!.value || "SAMPLE_OUTCOME_UNSPECIFIED";
    }
    return m;
  }
  form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-key]").forEach((input) => {
    const key = input.dataset.key!;
    if (input instanceof HTMLInputElement && input.type === "checkbox") {
      if (input.checked) m[key] = true;
    } else if (input instanceof HTMLInputElement) {
      if (input.value !== "") m[key] = Number(input.value);
    } else if (input.value !== "") {
      m[key] = input.value;
    }
  });
  if (type === "SCREENING_TYPE_FOUR_HIGHS") {
    const units: Record<string, string> = {};
    form.querySelectorAll<HTMLSelectElement>("[data-unit]").forEach((s) => (units[s.dataset.unit!] = s.value));
    m.units = units;
  }
  return m;
}

function fillFrom(form: HTMLFormElement, type: string, stored: Record<string, unknown>): void {
  if (type === "SCREENING_TYPE_COLORECTAL") {
    const samples = (stored.fitSamples as { outcome?: string }[] | undefined) ?? [];
    form.querySelector<HTMLSelectElement>('[data-key="method"]')!.value = samples.length > 0 ? "fit" : "dna";
    samples.forEach((s, i) => {
      const select = form.querySelector<HTMLSelectElement>(`[data-fit="${i}"]`);
      if (select) select.value = s.outcome ?? "";
    });
    form.querySelector<HTMLSelectElement>('[data-key="stoolDna"]')!.value = (stored.stoolDna as string) ?? "";
    const q = (stored.questionnaire as Record<string, boolean>) ?? {};
    form.querySelectorAll<HTMLInputElement>("[data-question]").forEach((c) => (c.checked = !!q[c.dataset.question!]));
    return;
  }
  form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-key]").forEach((input) => {
    const v = stored[input.dataset.key!];
    if (input instanceof HTMLInputElement && input.type === "checkbox") input.checked = v === true;
    else input.value = v === undefined || v === null ? "" : String(v);
  });
  // Stored values are in SI.
  form.querySelectorAll<HTMLSelectElement>("[data-unit]").forEach((s) => (s.value = "CONCENTRATION_UNIT_SI"));
}

function showConversions(form: HTMLFormElement): void {
  for (const field of FOUR_HIGHS) {
    const out = form.querySelector<HTMLElement>(`[data-for="${field.key}"]`);
    const input = form.querySelector<HTMLInputElement>(`[data-key="${field.key}"]`);
    if (!out || !input || !field.conventional) continue;
    const unit = form.querySelector<HTMLSelectElement>(`[data-unit="${field.conventional.group}"]`)!.value;
    out.textContent = unit === "CONCENTRATION_UNIT_MG_DL" && input.value !== ""
      ? `≈ ${field.conventional.toSi(Number(input.value)).toFixed(field.unit === "µmol/L" ? 0 : 2)} ${field.unit}` : "";
  }
}

function previewHtml(result: Result): string {
  const meaning = meaningOf(result);
  return `<p class="${meaning.positive ? "bad" : "good"}" data-positive="${meaning.positive}">分类预览：${
    meaning.findings.map(escape).join("；")}</p>`;
}

export async function showResultEntry(holder: HTMLElement, booking: Booking,
                                      saved: () => void): Promise<void> {
  const types = (booking.screenings ?? []).map((s) => s.screeningType);
  const existing = (await call<{ results?: Result[] }>("screening.v1.ResultsService/ListResults",
    { hospital: booking.hospital, booking: booking.name, pageSize: 50 })).results ?? [];
  const card = booking.residentCard;
  holder.innerHTML = `<section class="card" id="result-entry">
    <div class="slip-head"><h2>录入结果 · ${escape(card?.fullName ?? booking.resident)}（预约号 ${
      escape(booking.name.replace("bookings/", ""))}）</h2>
      <button type="button" id="close-entry">关闭</button></div>
    ${types.map((type) => {
      const id = `r-${MEASUREMENT[type]}`;
      return `<form class="result-form" id="${id}" data-type="${type}" novalidate>
        <h3>${escape(SCREENINGS[type] ?? type)}</h3>
        <p class="recorded" hidden></p>
        <div class="fields">${formBody(type, id)}</div>
        <div class="amend-reason" hidden><label for="${id}-reason">更正原因 *</label>
          <input id="${id}-reason" data-reason autocomplete="off" placeholder="如：录入错误，收缩压应为152"></div>
        <div class="preview" aria-live="polite"></div>
        <div class="actions"><button type="submit" class="primary">保存结果</button>
          <button type="button" data-action="amend" hidden>更正结果</button>
          <span class="form-message" role="status"></span></div>
      </form>`;
    }).join("")}</section>`;
  holder.querySelector("#close-entry")!.addEventListener("click", () => (holder.innerHTML = ""));

  for (const form of holder.querySelectorAll<HTMLFormElement>("form.result-form")) {
    const type = form.dataset.type!;
    const fields = form.querySelector<HTMLElement>(".fields")!;
    const preview = form.querySelector<HTMLElement>(".preview")!;
    const recorded = form.querySelector<HTMLElement>(".recorded")!;
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    const amendButton = form.querySelector<HTMLButtonElement>('[data-action="amend"]')!;
    const reasonBox = form.querySelector<HTMLElement>(".amend-reason")!;
    const message = form.querySelector<HTMLElement>(".form-message")!;
    let current = existing.filter((r) => r.screeningType === type && r.countsAsScreened !== false)
      .sort((a, b) => (b.version ?? 0) - (a.version ?? 0))[0] ?? null;
    let requestId = newRequestId("result");
    let amending = false;
    const touched = new Set<string>();

    const showRecorded = () => {
      if (current === null) return;
      const meaning = meaningOf(current);
      recorded.hidden = false;
      recorded.innerHTML = `已录入${(current.version ?? 1) > 1 ? `（第${current.version}版）` : ""}：<span class="${
        meaning.positive ? "bad" : "good"}">${meaning.findings.map(escape).join("；")}</span>`;
      fields.hidden = !amending;
      preview.hidden = !amending;
      submit.hidden = !amending;
      amendButton.hidden = amending;
      reasonBox.hidden = !amending;
    };

    const request = (validateOnly: boolean) => ({
      hospital: booking.hospital, booking: booking.name, requestId,
      [MEASUREMENT[type]]: measurement(form, type), validateOnly,
    });

    const showViolations = (error: unknown, all: boolean) => {
      form.querySelectorAll<HTMLElement>("[data-error]").forEach((e) => (e.textContent = ""));
      const violations = fieldViolations(error);
      for (const v of violations) {
        const key = keyOf(v.field);
        const slot = form.querySelector<HTMLElement>(`[data-error="${CSS.escape(key)}"]`);
        if (slot && (all || touched.has(key) || key.startsWith("fitSamples"))) slot.textContent = violationZh(v.description);
      }
      return violations.length;
    };

    let checking = 0;
    const check = async () => {
      const mine = ++checking;
      showConversions(form);
      try {
        const result = await call<Result>("screening.v1.ResultsService/RecordResult", request(true));
        if (mine !== checking) return;
        showViolations(null, false);
        preview.innerHTML = previewHtml(result);
      } catch (error) {
        if (mine !== checking) return;
        showViolations(error, false);
        preview.innerHTML = fieldViolations(error).length > 0 ? `<p class="muted">填写完整并在范围内后显示分类预览。</p>`
          : `<p class="bad">${escape(errorZh(error))}</p>`;
      }
    };
    let timer = 0;
    const onEdit = (event: Event) => {
      const target = event.target as HTMLElement;
      if (target.dataset.key) touched.add(target.dataset.key);
      if (type === "SCREENING_TYPE_COLORECTAL") {
        const dna = form.querySelector<HTMLSelectElement>('[data-key="method"]')!.value === "dna";
        form.querySelector<HTMLSelectElement>('[data-key="stoolDna"]')!.disabled = !dna;
        form.querySelectorAll<HTMLSelectElement>("[data-fit]").forEach((s) => (s.disabled = dna));
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 250);
    };
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);

    amendButton.addEventListener("click", () => {
      if (current === null) return;
      amending = true;
      requestId = newRequestId("amend");
      const stored = (current[MEASUREMENT[type] as keyof Result] ?? {}) as Record<string, unknown>;
      fillFrom(form, type, stored);
      showRecorded();
      check();
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      message.textContent = "正在保存……";
      try {
        if (amending && current !== null) {
          const reason = form.querySelector<HTMLInputElement>("[data-reason]")!.value.trim();
          current = await call<Result>("screening.v1.ResultsService/AmendResult", {
            name: current.name, [MEASUREMENT[type]]: measurement(form, type), reason, requestId });
        } else {
          current = await call<Result>("screening.v1.ResultsService/RecordResult", request(false));
        }
        amending = false;
        message.textContent = "已保存。";
        showViolations(null, true);
        showRecorded();
        saved();
      } catch (error) {
        const named = showViolations(error, true);
        message.textContent = named > 0 ? "有数值不在允许范围内或未填写，请检查标红的项。" : errorZh(error);
        if (fieldViolations(error).some((v) => v.field === "reason")) message.textContent = "请填写更正原因。";
      } finally {
        submit.disabled = false;
      }
    });
    if (current !== null) showRecorded();
  }
}
