// What the clinic's and the hospital's pages share: residents, bookings and
// hospitals as the API gives them, dates and sessions in Chinese, masked ID
// numbers, and errors said plainly.
import { ApiError, call } from "./api";

export interface Resident {
  name: string;
  idNumber: string;
  fullName: string;
  phone?: string;
  districtCode: string;
  birthDate: string;
  sex: string;
  residenceKind: string;
  smsDeclined?: boolean;
}

export interface BookedScreening { screeningType: string; slot: string }

export interface Booking {
  name: string;
  resident: string;
  hospital: string;
  date: string;
  state: string;
  session: string;
  screenings?: BookedScreening[];
  pregnancy?: string;
  verificationCode?: string;
  cancelReason?: string;
  checkInTime?: string;
  waitlistEntry?: string;
  residentDistrictCode?: string;
  residentCard?: ResidentCard;
}

// Who is coming, as a hospital's roster shows her (ID number masked).
export interface ResidentCard {
  fullName?: string;
  maskedIdNumber?: string;
  sex?: string;
  birthDate?: string;
}

export interface Hospital {
  name: string;
  code: string;
  displayName: string;
  districtCode: string;
  screenings?: string[];
  address?: string;
}

export const SESSIONS: Record<string, string> = {
  SESSION_MORNING: "上午",
  SESSION_AFTERNOON: "下午",
};

export const BOOKING_STATES: Record<string, string> = {
  BOOKING_STATE_ACTIVE: "已预约",
  BOOKING_STATE_CANCELLED: "已取消",
  BOOKING_STATE_CHECKED_IN: "已签到",
  BOOKING_STATE_NO_SHOW: "未到",
};

export const CANCEL_REASONS: [string, string][] = [
  ["CANCEL_REASON_RESIDENT_REQUEST", "居民要求取消"],
  ["CANCEL_REASON_RESIDENT_UNABLE", "居民无法按时到院"],
  ["CANCEL_REASON_HOSPITAL_UNAVAILABLE", "医院无法接诊"],
  ["CANCEL_REASON_BOOKED_IN_ERROR", "预约有误"],
  ["CANCEL_REASON_NOT_ELIGIBLE", "不符合筛查条件"],
];

// On screen and on paper the middle eight digits are hidden: the clinic has
// the number in hand, passers-by need not read it.
export function maskId(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : id;
}

const WEEKDAYS = ["日", "一", "二", "三", "四", "五", "六"];

export function dateZh(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

// "12月9日 周三", for calendars and lists.
export function dayZh(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  return `${m}月${d}日 周${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}`;
}

export function todayInHarbin(): string {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(new Date());
}

export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

// One id per action the person means once: a double click or a retry sends
// the same id, and the server answers it with the first outcome.
export function newRequestId(kind: string): string {
  return `${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

interface Violation { field: string; description: string }
interface Detail {
  debug?: { fieldViolations?: Violation[]; reason?: string; metadata?: Record<string, string> };
  type?: string;
}

export function errorReason(error: unknown): string {
  if (!(error instanceof ApiError)) return "";
  for (const d of error.details as Detail[]) {
    if (d.debug?.reason) return d.debug.reason;
  }
  return "";
}

export function errorMetadata(error: unknown, key: string): string {
  if (!(error instanceof ApiError)) return "";
  for (const d of error.details as Detail[]) {
    const value = d.debug?.metadata?.[key];
    if (value) return value;
  }
  return "";
}

export function fieldViolations(error: unknown): Violation[] {
  if (!(error instanceof ApiError)) return [];
  return (error.details as Detail[]).flatMap((d) => d.debug?.fieldViolations ?? []);
}

// An error in plain Chinese, from its code, reason and named fields.
export function errorZh(error: unknown): string {
  if (!(error instanceof ApiError)) return "请求失败，请稍后再试。";
  const fields = fieldViolations(error).map((v) => `${v.field}: ${v.description}`);
  if (fields.length > 0) return `请检查：${fields.join("；")}`;
  switch (errorReason(error)) {
    case "SLOT_FULL": return "所选时段刚刚约满，请另选时段或加入候补。";
    case "SLOT_IN_PAST": return "所选时段已过，请另选。";
    case "ALREADY_BOOKED": return "该居民本年度已有此项筛查的有效预约（见下方预约记录）。";
    case "ALREADY_WAITING": return "该居民已在此医院该项目的候补名单中。";
    case "NOT_ELIGIBLE": return "该居民不符合所选项目的筛查条件。";
    case "BOOKING_NOT_ACTIVE": return "该预约已取消、已签到或已过期，不能再修改。";
    case "ENTRY_NOT_WAITING": return "该候补已转为预约或已退出。";
    case "WRONG_CODE": return `核验码不正确，还可尝试 ${errorMetadata(error, "attempts_left")} 次。`;
    case "TOO_MANY_ATTEMPTS": return "核验码错误次数过多，签到已锁定，请居民联系预约的社区重新预约。";
    case "NOT_THE_DAY": return "该预约不是今天的，不能签到。";
    case "BOOKING_NOT_CHECKED_IN": return "居民尚未签到，请先签到再录入结果。";
    case "SCREENING_NOT_BOOKED": return "该预约不包含此筛查项目。";
    case "RESULT_EXISTS": return "该项目已录入结果；如需更正，请使用“更正结果”。";
    case "REFERRAL_CLOSED": return "该转诊已结案。";
  }
  if (error.code === "permission_denied") return "无权查看或操作：不属于本机构。";
  if (error.code === "not_found") return "未找到。";
  if (error.code === "unavailable") return "服务暂时不可用，请稍后重试。";
  return error.message;
}

let hospitalCache: Promise<Map<string, Hospital>> | null = null;

// Every hospital, by resource name (a city has a few hundred at most).
export function hospitals(): Promise<Map<string, Hospital>> {
  hospitalCache ??= (async () => {
    const all = new Map<string, Hospital>();
    let pageToken = "";
    do {
      const page = await call<{ hospitals?: Hospital[]; nextPageToken?: string }>(
        "screening.v1.SchedulingService/ListHospitals", { pageSize: 1000, pageToken });
      for (const h of page.hospitals ?? []) all.set(h.name, h);
      pageToken = page.nextPageToken ?? "";
    } while (pageToken !== "");
    return all;
  })().catch((error) => {
    hospitalCache = null;
    throw error;
  });
  return hospitalCache;
}
