// The district's residents (本区居民), page by page, each with what she has
// booked and done this year; and the possible duplicates to review (the same
// name, birth date and phone under different ID numbers).
import { call, Session } from "./api";
import { escape, SCREENINGS } from "./format";
import { BOOKING_STATES, Booking, dayZh, errorZh, maskId, Resident } from "./people";

const PAGE = 20;

function visits(bookings: Booking[]): string {
  if (bookings.length === 0) return `<span class="muted">未预约</span>`;
  return bookings.map((b) => `${(b.screenings ?? []).map((s) => escape(SCREENINGS[s.screeningType] ?? s.screeningType))
    .join("、")}：${BOOKING_STATES[b.state] ?? b.state}（${escape(dayZh(b.date))}）`).join("<br>");
}

export function showResidents(root: HTMLElement, session: Session, open: (idNumber: string) => void): void {
  root.innerHTML = `
    <section class="card">
      <h2>本区居民</h2>
      <div id="resident-page"><p class="muted">正在读取……</p></div>
      <div class="actions"><button type="button" id="residents-first">第一页</button>
        <button type="button" id="residents-next">下一页</button></div>
    </section>
    <section class="card">
      <h2>疑似重复登记（姓名、出生日期、手机号相同而身份证号不同）</h2>
      <div id="duplicates"><p class="muted">正在读取……</p></div>
    </section>`;
  const pageBox = root.querySelector<HTMLElement>("#resident-page")!;
  const next = root.querySelector<HTMLButtonElement>("#residents-next")!;
  let token = "";

  const load = async (pageToken: string) => {
    try {
      const page = await call<{ residents?: Resident[]; nextPageToken?: string; unreadableResidents?: unknown[] }>(
        "screening.v1.RegistryService/ListResidents", { districtCode: session.scope, pageSize: PAGE, pageToken });
      const residents = page.residents ?? [];
      const bookings = await Promise.all(residents.map((r) =>
        call<{ bookings?: Booking[] }>("screening.v1.SchedulingService/ListResidentBookings",
          { resident: r.name, pageSize: 10 }).then((a) => a.bookings ?? []).catch(() => null)));
      token = page.nextPageToken ?? "";
      next.disabled = token === "";
      pageBox.innerHTML = residents.length === 0 ? `<p class="muted">本区尚无登记的居民。</p>` : `
        <div class="table-scroll"><table id="resident-table">
          <thead><tr><th>姓名</th><th>身份证号</th><th>性别</th><th>出生日期</th><th>预约与就诊</th><th><span class="sr-only">操作</span></th></tr></thead>
          <tbody>${residents.map((r, i) => `<tr data-name="${escape(r.name)}">
            <td>${escape(r.fullName)}</td><td>${escape(maskId(r.idNumber))}</td>
            <td>${r.sex === "SEX_MALE" ? "男" : "女"}</td><td>${escape(r.birthDate)}</td>
            <td>${bookings[i] === null ? `<span class="muted">暂时无法读取</span>` : visits(bookings[i]!)}</td>
            <td class="row-actions"><button type="button" data-open="${i}">查看</button></td></tr>`).join("")}</tbody>
        </table></div>${(page.unreadableResidents ?? []).length > 0
          ? `<p class="bad">本页有 ${(page.unreadableResidents ?? []).length} 位居民的加密信息无法读取，请联系管理员。</p>` : ""}`;
      pageBox.querySelectorAll<HTMLButtonElement>("[data-open]").forEach((b) =>
        b.addEventListener("click", () => open(residents[Number(b.dataset.open)].idNumber)));
    } catch (error) {
      pageBox.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
    }
  };

  const loadDuplicates = async () => {
    const box = root.querySelector<HTMLElement>("#duplicates")!;
    try {
      const answer = await call<{ groups?: { residents?: Resident[] }[] }>(
        "screening.v1.RegistryService/ListPossibleDuplicates", { districtCode: session.scope, pageSize: 20 });
      const groups = answer.groups ?? [];
      box.innerHTML = groups.length === 0 ? `<p class="muted">未发现疑似重复登记。</p>` : groups.map((g, k) => `
        <div class="duplicate-group" data-group="${k}"><strong>第 ${k + 1} 组</strong>
          <ul>${(g.residents ?? []).map((r) => `<li>${escape(r.fullName)} · ${escape(maskId(r.idNumber))} · ${
            escape(r.birthDate)} · ${escape(r.phone ?? "")} <button type="button" data-id="${escape(r.idNumber)}">查看</button></li>`)
            .join("")}</ul></div>`).join("");
      box.querySelectorAll<HTMLButtonElement>("[data-id]").forEach((b) => b.addEventListener("click", () => open(b.dataset.id!)));
    } catch (error) {
      box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
    }
  };

  root.querySelector("#residents-first")!.addEventListener("click", () => load(""));
  next.addEventListener("click", () => load(token));
  load("");
  loadDuplicates();
}
