// Results in plain Chinese: what a classification means, for the preview
// before saving and for the resident's letter; and the API's bound messages
// ("must be 60 to 300 mmHg") said in Chinese with the API's own numbers.

export interface FourHighsClassification {
  hypertension?: boolean;
  hypertensionGrade?: string;
  highGlucose?: boolean;
  impairedFastingGlucose?: boolean;
  highLipids?: boolean;
  highUricAcid?: boolean;
  urgent?: boolean;
  anyPositive?: boolean;
}

export interface Result {
  name?: string;
  booking: string;
  resident?: string;
  hospital?: string;
  screeningType: string;
  fourHighs?: Record<string, unknown>;
  colorectal?: Record<string, unknown>;
  gastric?: Record<string, unknown>;
  nipt?: Record<string, unknown>;
  fourHighsClassification?: FourHighsClassification;
  colorectalClassification?: { stoolTestPositive?: boolean; questionnaireHighRisk?: boolean;
                               sampleFailed?: boolean; referColonoscopy?: boolean };
  gastricClassification?: { pgRatio?: number; score?: number; band?: string; referGastroscopy?: boolean;
                            age?: number };
  niptClassification?: { failed?: boolean; highRisk?: boolean; highRiskTargets?: string[];
                         referPrenatalDiagnosis?: boolean };
  recordTime?: string;
  countsAsScreened?: boolean;
  version?: number;
  referral?: string;
  lateReport?: boolean;
}

const GRADES: Record<string, string> = {
  HYPERTENSION_GRADE_1: "1级高血压",
  HYPERTENSION_GRADE_2: "2级高血压",
  HYPERTENSION_GRADE_3: "3级高血压",
};
const BANDS: Record<string, string> = {
  GASTRIC_RISK_BAND_LOW: "低危",
  GASTRIC_RISK_BAND_MEDIUM: "中危",
  GASTRIC_RISK_BAND_HIGH: "高危",
};
const TARGETS: Record<string, string> = { T21: "21三体", T18: "18三体", T13: "13三体" };

export interface Meaning {
  positive: boolean;  // needs attention: shown in red, and followed up
  findings: string[];  // what was found, one line each
}

export function meaningOf(result: Result): Meaning {
  const findings: string[] = [];
  let positive = false;
  const fh = result.fourHighsClassification;
  if (fh) {
    if (fh.hypertension) findings.push(GRADES[fh.hypertensionGrade ?? ""] ?? "血压升高");
    if (fh.highGlucose) findings.push("血糖升高（糖尿病筛查阳性）");
    else if (fh.impairedFastingGlucose) findings.push("空腹血糖受损");
    if (fh.highLipids) findings.push("血脂异常");
    if (fh.highUricAcid) findings.push("血尿酸升高");
    if (fh.urgent) findings.push("血压或血糖明显升高，需尽快就医");
    positive = fh.anyPositive ?? false;
  }
  const cr = result.colorectalClassification;
  if (cr) {
    if (cr.sampleFailed) findings.push("粪便样本不合格，需重新留取");
    if (cr.stoolTestPositive) findings.push("粪便检测阳性");
    if (cr.questionnaireHighRisk) findings.push("风险问卷提示高危");
    if (cr.referColonoscopy) findings.push("建议做结肠镜检查");
    positive = cr.referColonoscopy ?? false;
  }
  const ga = result.gastricClassification;
  if (ga) {
    findings.push(`胃癌风险${BANDS[ga.band ?? ""] ?? "未分级"}（评分 ${ga.score ?? 0} 分，PGR ${
      (ga.pgRatio ?? 0).toFixed(1)}）`);
    if (ga.referGastroscopy) findings.push("建议做胃镜检查");
    positive = ga.referGastroscopy ?? false;
  }
  const ni = result.niptClassification;
  if (ni) {
    if (ni.failed) findings.push("检测失败，需重新采血（不另收费）");
    else if (ni.highRisk) {
      findings.push(`${(ni.highRiskTargets ?? []).map((t) => TARGETS[t] ?? t).join("、")}高风险`);
    }
    if (ni.referPrenatalDiagnosis) findings.push("建议做产前诊断");
    positive = ni.highRisk ?? false;
  }
  if (findings.length === 0) findings.push("未见异常");
  return { positive, findings };
}

export const REFERRAL_KINDS: Record<string, string> = {
  REFERRAL_KIND_COLONOSCOPY: "结肠镜检查",
  REFERRAL_KIND_GASTROSCOPY: "胃镜检查",
  REFERRAL_KIND_FAMILY_DOCTOR: "家庭医生随访",
  REFERRAL_KIND_PRENATAL_DIAGNOSIS: "产前诊断",
};

// An API description in Chinese; the numbers and units are the API's own.
export function violationZh(description: string): string {
  let m = /^must be ([\d.]+) to ([\d.]+) ?(.*)$/.exec(description);
  if (m) return `应在 ${m[1]}–${m[2]}${m[3] ? ` ${m[3]}` : ""} 之间`;
  m = /^must be below (the )?(.*)$/.exec(description);
  if (m) return m[2] === "systolic pressure" ? "应低于收缩压" : m[2] === "total cholesterol" ? "应低于总胆固醇" : description;
  if (description === "fasting glucose or HbA1c is required") return "空腹血糖和糖化血红蛋白至少填一项";
  if (description.startsWith("give either two FIT samples")) return "填两份便潜血样本或粪便DNA检测，二选一";
  if (description === "FIT takes exactly two samples") return "便潜血检测需两份样本";
  if (description === "is required") return "必填";
  return description;
}
