// A pregnancy on the clinic's page: register it (dated from the last
// menstrual period or an ultrasound due date, with what rules NIPT out and
// what calls for care, and the signed consent) and see the NIPT window as
// dates. The window and the reasons come from the registry.
import { call } from "./api";
import { escape } from "./format";
import { dateZh, errorZh, newRequestId, Resident, todayInHarbin } from "./people";

interface Pregnancy {
  name: string;
  lastMenstrualPeriod?: string;
  ultrasoundDueDate?: string;
  fetuses?: number;
  consentDate?: string;
  estimatedDueDate?: string;
  niptWindowStart?: string;
  niptWindowEnd?: string;
  niptApplicable?: boolean;
  reasons?: { code: string; message: string }[];
  cautions?: string[];
}

const CONTRAINDICATIONS: [string, string][] = [
  ["NIPT_CONTRAINDICATION_PARENT_CHROMOSOMAL_ABNORMALITY", "夫妇一方有明确染色体异常"],
  ["NIPT_CONTRAINDICATION_RECENT_TRANSFUSION_TRANSPLANT_OR_CELL_THERAPY", "1年内接受过异体输血、移植或细胞治疗"],
  ["NIPT_CONTRAINDICATION_FETAL_STRUCTURAL_ANOMALY", "胎儿超声提示结构异常"],
  ["NIPT_CONTRAINDICATION_FAMILY_MONOGENIC_DISEASE", "有基因遗传病家族史"],
  ["NIPT_CONTRAINDICATION_MALIGNANCY_DURING_PREGNANCY", "孕期合并恶性肿瘤"],
];
const CAUTIONS: [string, string][] = [
  ["NIPT_CAUTION_MULTIPLE_PREGNANCY", "多胎妊娠"],
  ["NIPT_CAUTION_MATERNAL_AGE_35_OR_MORE", "预产期年龄35岁及以上"],
  ["NIPT_CAUTION_BMI_OVER_40", "重度肥胖（BMI>40）"],
  ["NIPT_CAUTION_IVF", "辅助生殖（IVF）受孕"],
  ["NIPT_CAUTION_PRIOR_CHILD_CHROMOSOMAL_ABNORMALITY", "有染色体异常胎儿分娩史"],
  ["NIPT_CAUTION_HIGH_RISK_SERUM_SCREENING", "血清学筛查高风险"],
];

function windowHtml(p: Pregnancy): string {
  const today = todayInHarbin();
  const state = !p.niptApplicable ? `<span class="bad">不适用NIPT：${(p.reasons ?? []).map((r) =>
      escape(CONTRAINDICATIONS.find(([c]) => r.code.endsWith(c.replace("NIPT_CONTRAINDICATION_", "")))?.[1] ?? r.message))
      .join("；")}</span>`
    : today < (p.niptWindowStart ?? "") ? "采血窗口尚未开始"
    : today > (p.niptWindowEnd ?? "") ? `<span class="bad">已过采血窗口</span>` : `<span class="good">当前在采血窗口内，可以预约</span>`;
  const cautions = (p.cautions ?? []).map((c) => CAUTIONS.find(([code]) => code === c)?.[1] ?? c);
  return `<dl class="slip-facts" id="nipt-window">
      <dt>NIPT采血窗口</dt><dd><strong>${escape(dateZh(p.niptWindowStart ?? ""))} 至 ${escape(dateZh(p.niptWindowEnd ?? ""))}</strong>（孕12周至22周+6天）</dd>
      <dt>预产期</dt><dd>${escape(dateZh(p.estimatedDueDate ?? ""))}</dd>
      <dt>状态</dt><dd>${state}</dd>
      ${cautions.length ? `<dt>需谨慎</dt><dd>${cautions.map(escape).join("、")}（须产前诊断机构医生评估）</dd>` : ""}
    </dl>`;
}

// For a woman: her pregnancy's NIPT window if one is registered, and the
// form to register one.
export async function showPregnancy(root: HTMLElement, resident: Resident, pregnancyName: string,
                                    registered: () => void): Promise<void> {
  if (resident.sex !== "SEX_FEMALE") {
    root.hidden = true;
    return;
  }
  root.hidden = false;
  let current: Pregnancy | null = null;
  if (pregnancyName) {
    current = await call<Pregnancy>("screening.v1.RegistryService/GetPregnancy", { name: pregnancyName }).catch(() => null);
  }
  const today = todayInHarbin();
  root.innerHTML = `<h2>孕情与无创产前基因检测（NIPT）</h2>
    <div id="pregnancy-current">${current ? windowHtml(current) : `<p class="muted">未登记孕情。</p>`}</div>
    <details id="pregnancy-details"><summary>${current ? "登记新的孕情" : "登记孕情"}</summary>
    <form id="pregnancy-form" class="account-form" novalidate>
      <label for="preg-lmp">末次月经第一天</label><input id="preg-lmp" type="date" max="${today}">
      <label for="preg-us">或：超声预产期</label><input id="preg-us" type="date">
      <label for="preg-fetuses">胎儿数</label>
      <select id="preg-fetuses"><option value="1">单胎</option><option value="2">双胎</option><option value="3">三胎及以上</option></select>
      <label for="preg-consent">知情同意书签署日期</label><input id="preg-consent" type="date" max="${today}">
      <label for="preg-consent-doc">同意书编号</label><input id="preg-consent-doc" autocomplete="off" maxlength="64">
      <fieldset class="pick"><legend>不适用情形（有则勾选）</legend>${CONTRAINDICATIONS.map(([code, label]) =>
        `<label class="check"><input type="checkbox" data-contraindication="${code}">${label}</label>`).join("")}</fieldset>
      <fieldset class="pick"><legend>需谨慎情形（有则勾选）</legend>${CAUTIONS.filter(([code]) =>
        code !== "NIPT_CAUTION_MULTIPLE_PREGNANCY" && code !== "NIPT_CAUTION_MATERNAL_AGE_35_OR_MORE").map(([code, label]) =>
        `<label class="check"><input type="checkbox" data-caution="${code}">${label}</label>`).join("")}</fieldset>
      <button type="submit">登记孕情</button>
    </form></details>
    <p id="pregnancy-message" class="message" role="status"></p>`;
  const form = root.querySelector<HTMLFormElement>("#pregnancy-form")!;
  const message = root.querySelector<HTMLElement>("#pregnancy-message")!;
  const requestId = newRequestId("pregnancy");
  const value = (id: string) => root.querySelector<HTMLInputElement | HTMLSelectElement>(id)!.value;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (value("#preg-lmp") === "" && value("#preg-us") === "") {
      message.textContent = "请填写末次月经日期或超声预产期。";
      return;
    }
    try {
      const pregnancy = await call<Pregnancy>("screening.v1.RegistryService/RegisterPregnancy", {
        pregnancy: {
          resident: resident.name,
          lastMenstrualPeriod: value("#preg-lmp"),
          ultrasoundDueDate: value("#preg-us"),
          fetuses: Number(value("#preg-fetuses")),
          consentDate: value("#preg-consent"),
          consentDocument: value("#preg-consent-doc").trim(),
          contraindications: [...form.querySelectorAll<HTMLInputElement>("[data-contraindication]:checked")]
            .map((c) => c.dataset.contraindication),
          cautions: [...form.querySelectorAll<HTMLInputElement>("[data-caution]:checked")].map((c) => c.dataset.caution),
        },
        requestId,
      });
      message.textContent = "孕情已登记。";
      root.querySelector("#pregnancy-current")!.innerHTML = windowHtml(pregnancy);
      registered();
    } catch (error) {
      message.textContent = errorZh(error);
    }
  });
}
