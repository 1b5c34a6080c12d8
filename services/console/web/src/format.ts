// Numbers, shares and times as people in China read them.

const integer = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat("zh-CN", {
  style: "percent",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const dateTime = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

// int64 fields arrive as JSON strings.
export function num(value: string | number | undefined): number {
  return Number(value ?? 0);
}
export function count(value: string | number | undefined): string {
  return integer.format(num(value));
}
const decimal = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 1 });
// A pace: people a day, to a tenth.
export function rate(value: number | undefined): string {
  return decimal.format(value ?? 0);
}
export function share(value: number | undefined): string {
  return percent.format(value ?? 0);
}
export function clock(time: Date): string {
  return dateTime.format(time);
}

// Harbin's 18 districts (GB/T 2260), in their table order.
export const DISTRICTS: Record<string, string> = {
  "230102": "道里区", "230103": "南岗区", "230104": "道外区", "230108": "平房区",
  "230109": "松北区", "230110": "香坊区", "230111": "呼兰区", "230112": "阿城区",
  "230113": "双城区", "230123": "依兰县", "230124": "方正县", "230125": "宾县",
  "230126": "巴彦县", "230127": "木兰县", "230128": "通河县", "230129": "延寿县",
  "230183": "尚志市", "230184": "五常市",
};

export const SCREENINGS: Record<string, string> = {
  SCREENING_TYPE_COLORECTAL: "结直肠癌筛查",
  SCREENING_TYPE_GASTRIC: "胃癌筛查",
  SCREENING_TYPE_FOUR_HIGHS: "“四高”筛查",
  SCREENING_TYPE_NIPT: "无创产前基因检测（NIPT）",
};

// Text for the page, escaped.
export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Saves `text` as a file the person downloads (made in the page: no request).
export function download(name: string, type: string, text: string): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
