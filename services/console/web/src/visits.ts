// A resident's visits, on the clinic's page: book one visit (the screenings,
// then a hospital and a day from a calendar of places left, all or nothing),
// print its slip, cancel with a reason, move it, or join the waitlist when
// the day is full; and the resident's bookings and waitlist entries.
import { call } from "./api";
import { DISTRICTS, escape, SCREENINGS } from "./format";
import {
  addDays, BOOKING_STATES, Booking, CANCEL_REASONS, dayZh, errorZh, Hospital, hospitals,
  newRequestId, Resident, SESSIONS, todayInHarbin,
} from "./people";
import { showSlip } from "./slip";

interface Slot {
  name: string;
  hospital: string;
  date: string;
  screeningType: string;
  capacity?: number;
  booked?: number;
  available?: number;
  session: string;
}

interface WaitlistEntry {
  name: string;
  resident: string;
  hospital: string;
  screeningType: string;
  startDate: string;
  endDate: string;
  state: string;
  booking?: string;
}

const WAITLIST_STATES: Record<string, string> = {
  WAITLIST_STATE_WAITING: "候补中",
  WAITLIST_STATE_BOOKED: "已转为预约",
  WAITLIST_STATE_LEFT: "已退出",
};

const CALENDAR_DAYS = 21;
const WAITLIST_DAYS = 14;

// The places left for a visit in each (day, session): the fewest of the
// chosen screenings' slots, so that booking all of them at once fits.
interface Cell { date: string; session: string; left: number; slots: string[] }

async function calendar(hospital: string, types: string[], from: string): Promise<Cell[]> {
  const to = addDays(from, CALENDAR_DAYS - 1);
  const answers = await Promise.all(types.map((screeningType) =>
    call<{ slots?: Slot[] }>("screening.v1.SchedulingService/SearchSlots",
      { screeningType, hospital, startDate: from, endDate: to, pageSize: 1000 })));
  const cells = new Map<string, Cell>();
  const offered = new Map<string, number>();  // how many of the types have a slot there
  for (const answer of answers) {
    for (const slot of answer.slots ?? []) {
      const key = `${slot.date}|${slot.session}`;
      const cell = cells.get(key) ?? { date: slot.date, session: slot.session, left: Infinity, slots: [] };
      cell.left = Math.min(cell.left, slot.available ?? 0);
      cell.slots.push(slot.name);
      cells.set(key, cell);
      offered.set(key, (offered.get(key) ?? 0) + 1);
    }
  }
  return [...cells.entries()].filter(([key]) => offered.get(key) === types.length)
    .map(([, cell]) => cell)
    .sort((a, b) => a.date.localeCompare(b.date) || sessionOrder(a.session) - sessionOrder(b.session));
}

// The hospitals of a district with places left for each of `types` in the
// calendar's weeks.
async function withPlaces(districtCode: string, types: string[]): Promise<Set<string>> {
  if (types.length === 0) return new Set();
  const from = todayInHarbin();
  const answers = await Promise.all(types.map((screeningType) =>
    call<{ slots?: Slot[] }>("screening.v1.SchedulingService/SearchSlots", {
      screeningType, districtCode, startDate: from, endDate: addDays(from, CALENDAR_DAYS - 1),
      onlyAvailable: true, pageSize: 1000 })));
  const sets = answers.map((a) => new Set((a.slots ?? []).map((s) => s.hospital)));
  return new Set([...sets[0]].filter((h) => sets.every((s) => s.has(h))));
}

const sessionOrder = (session: string) => (session === "SESSION_MORNING" ? 0 : 1);

function screeningsOf(booking: Booking): string[] {
  return (booking.screenings ?? []).map((s) => s.screeningType);
}

export async function showVisits(root: HTMLElement, resident: Resident,
                                 eligible: Map<string, string>, changed: () => void): Promise<void> {
  root.innerHTML = `
    <section class="card" id="book-visit">
      <h2>预约筛查</h2>
      <p id="reschedule-note" class="note" hidden></p>
      <fieldset class="pick" id="pick-screenings">
        <legend>筛查项目（可同一次就诊做多项）</legend>
        ${Object.entries(SCREENINGS).map(([type, label]) => `
          <label class="check"><input type="checkbox" value="${type}" ${eligible.has(type) ? "" : "disabled"}>
            ${escape(label)}${eligible.has(type) ? "" : "（不符合）"}</label>`).join("")}
      </fieldset>
      <div class="pick-row">
        <label for="book-hospital">医院</label>
        <select id="book-hospital"></select>
      </div>
      <div id="calendar" class="calendar" aria-live="polite"></div>
      <div class="book-bar">
        <p id="book-choice" class="choice">请先选择筛查项目和医院。</p>
        <button type="button" id="book-confirm" class="primary" disabled>确认预约</button>
        <button type="button" id="book-waitlist" hidden>加入候补</button>
        <button type="button" id="book-cancel-move" hidden>不改约了</button>
      </div>
      <p id="book-message" class="message" role="status"></p>
    </section>
    <div id="slip-holder"></div>
    <section class="card" id="resident-visits">
      <h2>预约记录</h2>
      <div id="booking-list"><p class="muted">正在读取……</p></div>
      <h2 class="sub">候补</h2>
      <div id="waitlist-list"><p class="muted">正在读取……</p></div>
    </section>`;
  const picks = [...root.querySelectorAll<HTMLInputElement>("#pick-screenings input")];
  const hospitalSelect = root.querySelector<HTMLSelectElement>("#book-hospital")!;
  const calendarBox = root.querySelector<HTMLElement>("#calendar")!;
  const choice = root.querySelector<HTMLElement>("#book-choice")!;
  const confirm = root.querySelector<HTMLButtonElement>("#book-confirm")!;
  const waitlist = root.querySelector<HTMLButtonElement>("#book-waitlist")!;
  const stopMoving = root.querySelector<HTMLButtonElement>("#book-cancel-move")!;
  const message = root.querySelector<HTMLElement>("#book-message")!;
  const note = root.querySelector<HTMLElement>("#reschedule-note")!;
  const slipHolder = root.querySelector<HTMLElement>("#slip-holder")!;
  const all = await hospitals();

  let moving: Booking | null = null;  // a booking being moved (RescheduleBooking)
  let chosen: Cell | null = null;
  let requestId = "";  // one per choice: pressing twice books once

  const types = () => moving ? screeningsOf(moving) : picks.filter((p) => p.checked).map((p) => p.value);

  // Hospitals offering every chosen screening: those of the resident's
  // district with places in the coming weeks first, the rest after.
  let pickedByHand = false;
  const fillHospitals = async () => {
    const wanted = types();
    const open = await withPlaces(resident.districtCode, wanted).catch(() => new Set<string>());
    const rank = (h: Hospital) => (open.has(h.name) ? 0 : h.districtCode === resident.districtCode ? 1 : 2);
    const fits = [...all.values()].filter((h) => wanted.every((t) => (h.screenings ?? []).includes(t)))
      .sort((a, b) => rank(a) - rank(b) || a.districtCode.localeCompare(b.districtCode) ||
                      a.code.localeCompare(b.code));
    const before = hospitalSelect.value;
    hospitalSelect.innerHTML = fits.length === 0 ? `<option value="">没有同时提供所选项目的医院</option>`
      : fits.map((h) => `<option value="${escape(h.name)}">${escape(DISTRICTS[h.districtCode] ?? h.districtCode)} · ${
          escape(h.displayName)}${wanted.length === 0 ? "" : open.has(h.name) ? "（有号）"
          : h.districtCode === resident.districtCode ? "（近期无号）" : ""}</option>`).join("");
    // The nurse's own choice stays; otherwise the first with places.
    if (pickedByHand && fits.some((h) => h.name === before)) hospitalSelect.value = before;
  };

  const choose = (cell: Cell | null) => {
    chosen = cell;
    requestId = newRequestId(moving ? "move" : "book");
    calendarBox.querySelectorAll("button").forEach((b) =>
      b.setAttribute("aria-pressed", String(cell !== null && b.dataset.key === `${cell.date}|${cell.session}`)));
    const hospital = all.get(hospitalSelect.value);
    confirm.hidden = cell !== null && cell.left <= 0;
    waitlist.hidden = cell === null || cell.left > 0 || moving !== null;
    confirm.disabled = cell === null;
    confirm.textContent = moving ? "改约到此时段" : "确认预约";
    if (cell === null) {
      choice.textContent = types().length === 0 ? "请先选择筛查项目。" : "请在日历中选择就诊日期和时段。";
      return;
    }
    const labels = types().map((t) => SCREENINGS[t] ?? t).join("、");
    choice.textContent = `${hospital?.displayName ?? ""} · ${dayZh(cell.date)} ${SESSIONS[cell.session] ?? ""} · ${labels}` +
      (cell.left > 0 ? `（余 ${cell.left} 个名额）` : "（已约满，可加入候补）");
  };

  let drawing = 0;  // only the latest drawing shows: choices can change faster than answers come
  const drawCalendar = async () => {
    const wanted = types();
    const mine = ++drawing;
    choose(null);
    if (wanted.length === 0 || hospitalSelect.value === "") {
      calendarBox.innerHTML = "";
      return;
    }
    calendarBox.innerHTML = `<p class="muted">正在读取名额……</p>`;
    let cells: Cell[];
    try {
      cells = await calendar(hospitalSelect.value, wanted, todayInHarbin());
    } catch (error) {
      if (mine === drawing) calendarBox.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
      return;
    }
    if (mine !== drawing) return;
    const days = [...new Set(cells.map((c) => c.date))];
    calendarBox.innerHTML = days.length === 0 ? `<p class="muted">未来${CALENDAR_DAYS}天该院没有所选项目的号源。</p>` :
      days.map((day) => `<div class="day"><div class="day-name">${escape(dayZh(day))}</div>${
        ["SESSION_MORNING", "SESSION_AFTERNOON"].map((session) => {
          const cell = cells.find((c) => c.date === day && c.session === session);
          if (!cell) return `<span class="slot none">${SESSIONS[session]} 无号</span>`;
          const full = cell.left <= 0;
          return `<button type="button" class="slot${full ? " full" : ""}" data-key="${day}|${session}"
            aria-pressed="false" aria-label="${escape(dayZh(day))}${SESSIONS[session]}，${full ? "已约满" : `余${cell.left}个`}">
            ${SESSIONS[session]} <strong>${full ? "满" : cell.left}</strong></button>`;
        }).join("")}</div>`).join("");
    calendarBox.querySelectorAll<HTMLButtonElement>("button.slot").forEach((button) =>
      button.addEventListener("click", () =>
        choose(cells.find((c) => `${c.date}|${c.session}` === button.dataset.key) ?? null)));
  };

  const afterChange = async (booking: Booking, what: string) => {
    message.textContent = what;
    moving = null;
    note.hidden = true;
    stopMoving.hidden = true;
    picks.forEach((p) => (p.disabled = !eligible.has(p.value)));
    showSlip(slipHolder, resident, booking, all.get(booking.hospital));
    await Promise.all([drawCalendar(), listBookings(), listWaitlist()]);
    changed();
  };

  confirm.addEventListener("click", async () => {
    if (chosen === null) return;
    confirm.disabled = true;
    message.textContent = moving ? "正在改约……" : "正在预约……";
    try {
      if (moving) {
        const booking = await call<Booking>("screening.v1.SchedulingService/RescheduleBooking",
          { name: moving.name, slots: chosen.slots, requestId });
        await afterChange(booking, "改约成功，请将新的预约单交给居民。");
      } else {
        const wanted = types();
        const pregnancy = wanted.includes("SCREENING_TYPE_NIPT") ? eligible.get("SCREENING_TYPE_NIPT") ?? "" : "";
        const booking = await call<Booking>("screening.v1.SchedulingService/BookScreening",
          { resident: resident.name, slots: chosen.slots, requestId, pregnancy });
        picks.forEach((p) => (p.checked = false));
        await afterChange(booking, "预约成功，请打印预约单交给居民。");
      }
    } catch (error) {
      message.textContent = errorZh(error);
      confirm.disabled = false;
    }
  });

  waitlist.addEventListener("click", async () => {
    if (chosen === null) return;
    waitlist.disabled = true;
    const start = chosen.date;
    try {
      for (const screeningType of types()) {
        await call<WaitlistEntry>("screening.v1.SchedulingService/JoinWaitlist", {
          entry: { resident: resident.name, hospital: hospitalSelect.value, screeningType,
                   startDate: start, endDate: addDays(start, WAITLIST_DAYS - 1) },
          pregnancy: screeningType === "SCREENING_TYPE_NIPT" ? eligible.get(screeningType) ?? "" : "",
          requestId: `${requestId}-${screeningType}`,
        });
      }
      message.textContent = `已加入候补：${dayZh(start)}起${WAITLIST_DAYS}天内该院有名额释放时自动预约，并短信通知居民。`;
      await listWaitlist();
    } catch (error) {
      message.textContent = errorZh(error);
    } finally {
      waitlist.disabled = false;
    }
  });

  stopMoving.addEventListener("click", async () => {
    moving = null;
    note.hidden = true;
    stopMoving.hidden = true;
    picks.forEach((p) => (p.disabled = !eligible.has(p.value)));
    await fillHospitals();
    await drawCalendar();
  });

  const listBookings = async () => {
    const box = root.querySelector<HTMLElement>("#booking-list")!;
    let bookings: Booking[];
    try {
      bookings = (await call<{ bookings?: Booking[] }>("screening.v1.SchedulingService/ListResidentBookings",
        { resident: resident.name, pageSize: 50 })).bookings ?? [];
    } catch (error) {
      box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
      return;
    }
    box.innerHTML = bookings.length === 0 ? `<p class="muted">尚无预约。</p>` : `
      <div class="table-scroll"><table id="booking-table">
        <thead><tr><th>就诊时间</th><th>医院</th><th>项目</th><th>状态</th><th>核验码</th><th><span class="sr-only">操作</span></th></tr></thead>
        <tbody>${bookings.map((b) => {
          const active = b.state === "BOOKING_STATE_ACTIVE";
          const reason = CANCEL_REASONS.find(([code]) => code === b.cancelReason)?.[1];
          return `<tr data-name="${escape(b.name)}" data-state="${escape(b.state)}">
            <td>${escape(dayZh(b.date))} ${SESSIONS[b.session] ?? ""}</td>
            <td>${escape(all.get(b.hospital)?.displayName ?? b.hospital)}</td>
            <td>${screeningsOf(b).map((t) => escape(SCREENINGS[t] ?? t)).join("、")}</td>
            <td>${BOOKING_STATES[b.state] ?? b.state}${reason ? `（${reason}）` : ""}${b.waitlistEntry ? "（候补转入）" : ""}</td>
            <td class="code">${active ? escape(b.verificationCode ?? "") : ""}</td>
            <td class="row-actions">${active ? `
              <button type="button" data-action="slip">打印预约单</button>
              <button type="button" data-action="move">改约</button>
              <button type="button" data-action="cancel">取消</button>` : ""}</td></tr>`;
        }).join("")}</tbody></table></div>
      <form id="cancel-form" class="inline-form" hidden>
        <label for="cancel-reason">取消原因</label>
        <select id="cancel-reason">${CANCEL_REASONS.map(([code, label]) =>
          `<option value="${code}">${label}</option>`).join("")}</select>
        <button type="submit" class="primary">确认取消</button>
        <button type="button" id="cancel-back">返回</button>
      </form>`;
    const cancelForm = box.querySelector<HTMLFormElement>("#cancel-form");
    let cancelling: Booking | null = null;
    let cancelRequestId = "";
    box.querySelectorAll<HTMLButtonElement>("button[data-action]").forEach((button) =>
      button.addEventListener("click", () => {
        const booking = bookings.find((b) => b.name === button.closest("tr")?.dataset.name)!;
        if (button.dataset.action === "slip") {
          showSlip(slipHolder, resident, booking, all.get(booking.hospital));
        } else if (button.dataset.action === "cancel") {
          cancelling = booking;
          cancelRequestId = newRequestId("cancel");
          cancelForm!.hidden = false;
          box.querySelector<HTMLSelectElement>("#cancel-reason")!.focus();
        } else {
          moving = booking;
          picks.forEach((p) => {
            p.checked = screeningsOf(booking).includes(p.value);
            p.disabled = true;
          });
          note.hidden = false;
          note.textContent = `正在为 ${dayZh(booking.date)} ${SESSIONS[booking.session] ?? ""} 的预约改约：请选择新的医院和时段。原名额在新名额约到后才释放。`;
          stopMoving.hidden = false;
          fillHospitals().then(() => {
            hospitalSelect.value = booking.hospital;
            return drawCalendar();
          });
          root.querySelector("#book-visit")!.scrollIntoView();
        }
      }));
    box.querySelector("#cancel-back")?.addEventListener("click", () => (cancelForm!.hidden = true));
    cancelForm?.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (cancelling === null) return;
      try {
        await call<Booking>("screening.v1.SchedulingService/CancelBooking", {
          name: cancelling.name, reason: box.querySelector<HTMLSelectElement>("#cancel-reason")!.value,
          requestId: cancelRequestId });
        message.textContent = "已取消，名额已释放（如有候补居民，将自动转为其预约）。";
        slipHolder.innerHTML = "";
        await Promise.all([listBookings(), drawCalendar()]);
        changed();
      } catch (error) {
        message.textContent = errorZh(error);
      }
    });
  };

  const listWaitlist = async () => {
    const box = root.querySelector<HTMLElement>("#waitlist-list")!;
    let entries: WaitlistEntry[];
    try {
      entries = (await call<{ entries?: WaitlistEntry[] }>("screening.v1.SchedulingService/ListWaitlistEntries",
        { districtCode: resident.districtCode, resident: resident.name, pageSize: 50 })).entries ?? [];
    } catch (error) {
      box.innerHTML = `<p class="bad">${escape(errorZh(error))}</p>`;
      return;
    }
    box.innerHTML = entries.length === 0 ? `<p class="muted">未加入候补。</p>` : `
      <div class="table-scroll"><table id="waitlist-table">
        <thead><tr><th>医院</th><th>项目</th><th>可接受日期</th><th>状态</th><th><span class="sr-only">操作</span></th></tr></thead>
        <tbody>${entries.map((e) => `<tr data-name="${escape(e.name)}" data-state="${escape(e.state)}">
          <td>${escape(all.get(e.hospital)?.displayName ?? e.hospital)}</td>
          <td>${escape(SCREENINGS[e.screeningType] ?? e.screeningType)}</td>
          <td>${escape(dayZh(e.startDate))} 至 ${escape(dayZh(e.endDate))}</td>
          <td>${WAITLIST_STATES[e.state] ?? e.state}</td>
          <td class="row-actions">${e.state === "WAITLIST_STATE_WAITING"
            ? `<button type="button" data-action="leave">退出候补</button>` : ""}</td></tr>`).join("")}</tbody>
      </table></div>`;
    box.querySelectorAll<HTMLButtonElement>("button[data-action=leave]").forEach((button) =>
      button.addEventListener("click", async () => {
        try {
          await call("screening.v1.SchedulingService/LeaveWaitlist", { name: button.closest("tr")!.dataset.name });
          await listWaitlist();
        } catch (error) {
          message.textContent = errorZh(error);
        }
      }));
  };

  picks.forEach((p) => p.addEventListener("change", async () => {
    // The calendar of the earlier choice is stale at once: no day of it can
    // be picked while the hospitals for the new choice load.
    const mine = ++drawing;
    choose(null);
    calendarBox.innerHTML = `<p class="muted">正在读取名额……</p>`;
    await fillHospitals();
    if (mine === drawing) await drawCalendar();
  }));
  hospitalSelect.addEventListener("change", () => {
    pickedByHand = true;
    return drawCalendar();
  });
  await fillHospitals();
  choose(null);
  await Promise.all([listBookings(), listWaitlist()]);
}

// The district's residents given a place from the waitlist, newest first.
export async function promotedFromWaitlist(districtCode: string): Promise<
    { entry: WaitlistEntry; resident: Resident | null; booking: Booking | null; hospital?: Hospital }[]> {
  const all = await hospitals();
  const entries = (await call<{ entries?: WaitlistEntry[] }>("screening.v1.SchedulingService/ListWaitlistEntries",
    { districtCode, state: "WAITLIST_STATE_BOOKED", pageSize: 20 })).entries ?? [];
  return Promise.all(entries.map(async (entry) => ({
    entry,
    resident: await call<Resident>("screening.v1.RegistryService/GetResident",
      { name: entry.resident }).catch(() => null),
    booking: entry.booking ? await call<Booking>("screening.v1.SchedulingService/GetBooking",
      { name: entry.booking }).catch(() => null) : null,
    hospital: all.get(entry.hospital),
  })));
}
