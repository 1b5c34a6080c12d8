// The resident ID number (GB 11643), checked as it is typed: the same rules
// as the registry (services/registry/id_number.cc), so a clinic sees a
// mistake before sending. 15-digit legacy numbers become 18 characters.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; ++i) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

export interface IdFacts {
  canonical: string;
  birth: string;  // YYYY-MM-DD
  male: boolean;
  age: number;    // full years on `today`
}

// The facts of a complete number, or why it is wrong (in Chinese); null
// while it is still being typed.
export function parseIdNumber(text: string, today: Date): IdFacts | { error: string } | null {
  let id = text.trim().toUpperCase();
  if (/^\d{0,14}$/.test(id) || /^\d{16,17}$/.test(id)) return null;
  if (/^\d{15}$/.test(id)) {
    const first17 = `${id.slice(0, 6)}19${id.slice(6)}`;
    id = first17 + checkCharacter(first17);
  } else if (!/^\d{17}[\dX]$/.test(id)) {
    return { error: "身份证号应为18位（末位可为X），或15位数字的旧号码" };
  } else if (id[17] !== checkCharacter(id)) {
    return { error: `校验码不符：末位应为 ${checkCharacter(id)}，请核对号码` };
  }
  const [y, m, d] = [Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14))];
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) {
    return { error: `出生日期 ${y}-${id.slice(10, 12)}-${id.slice(12, 14)} 不是有效日期` };
  }
  const [ty, tm, td] = [today.getFullYear(), today.getMonth() + 1, today.getDate()];
  if (y > ty || (y === ty && (m > tm || (m === tm && d > td)))) {
    return { error: "出生日期晚于今天" };
  }
  const age = ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
  return {
    canonical: id,
    birth: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    male: Number(id[16]) % 2 === 1,
    age,
  };
}
