// The commission's live dashboard (实时进展): the city's totals against its
// targets, the pace and the projection to 31 December, the districts against
// their quotas, each screening, positives and referrals, and the daily trend.
// It follows WatchProgress and reconnects by itself, resuming after the last
// offset it saw.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { call, Session, stream } from "./api";
import { clock, count, DISTRICTS, escape, num, rate, SCREENINGS, share } from "./format";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Int64 = string | number;
interface Projection {
  dailyRate?: number;
  projectedYearEnd?: Int64;
  neededDailyRate?: number;
  workingDaysLeft?: number;
  status?: string;
}
interface Progress {
  programmeYear: number;
  personsScreened?: Int64;
  personsTarget?: Int64;
  personsShare?: number;
  niptScreened?: Int64;
  niptTarget?: Int64;
  niptShare?: number;
  byType?: { screeningType: string; personsScreened?: Int64 }[];
  positives?: Int64;
  referralsOpened?: Int64;
  referralsCompleted?: Int64;
  referralsOverdue?: Int64;
  samplesFailed?: Int64;
  groups?: { key: string; personsScreened?: Int64 }[];
  personsProjection?: Projection;
  niptProjection?: Projection;
  districtProjections?: {
    districtCode: string;
    personsScreened?: Int64;
    personsQuota?: Int64;
    projection?: Projection;
  }[];
}

function outlook(projection: Projection | undefined, target: number): string {
  const projected = num(projection?.projectedYearEnd);
  const pace = `近 14 天日均 ${rate(projection?.dailyRate)} 人，按此进度年底预计 ${count(projected)} 人`;
  switch (projection?.status) {
    case "PROJECTION_STATUS_REACHED":
      return `<span class="good">已完成目标</span>　${pace}`;
    case "PROJECTION_STATUS_ON_TRACK":
      return `<span class="good">可按期完成</span>　${pace}`;
    case "PROJECTION_STATUS_AT_RISK":
      if (!projection.workingDaysLeft) {
        return `<span class="bad">年度已结束，差 ${count(Math.max(0, target - projected))} 人</span>`;
      }
      return `<span class="bad">预计差 ${count(Math.max(0, target - projected))} 人</span>　${pace}；需日均 ${
        count(projection.neededDailyRate)} 人（剩余 ${count(projection.workingDaysLeft)} 个工作日）`;
    default:
      return pace;
  }
}

function target(title: string, done: Int64 | undefined, goal: Int64 | undefined, part: number | undefined,
                projection: Projection | undefined, unit: string): string {
  return `<section class="card target" aria-label="${escape(title)}">
      <h2>${escape(title)}</h2>
      <p class="big"><strong>${count(done)}</strong> / ${count(goal)} ${unit}</p>
      <div class="bar" role="progressbar" aria-label="${escape(title)}完成率" aria-valuemin="0"
           aria-valuemax="100" aria-valuenow="${Math.round((part ?? 0) * 100)}"><span></span></div>
      <p class="share">完成 ${share(part)}</p>
      <p class="outlook">${outlook(projection, num(goal))}</p>
    </section>`;
}

function districtRows(progress: Progress): string {
  const rows = (progress.districtProjections ?? []).map((d) => {
    const quota = num(d.personsQuota);
    const projected = num(d.projection?.projectedYearEnd);
    return { code: d.districtCode, done: num(d.personsScreened), quota, projected,
             shortfall: Math.max(0, quota - projected) };
  });
  if (rows.length === 0 || rows.every((r) => r.quota === 0)) {
    return `<tr><td colspan="6">尚未下达本年度分配方案：下达后按区县显示任务数与预计缺口。</td></tr>`;
  }
  rows.sort((a, b) => b.shortfall - a.shortfall || a.code.localeCompare(b.code));
  return rows.map((r) => `<tr>
      <th scope="row">${escape(DISTRICTS[r.code] ?? r.code)}</th>
      <td>${count(r.done)}</td><td>${count(r.quota)}</td>
      <td>${share(r.quota > 0 ? r.done / r.quota : 0)}</td>
      <td>${count(r.projected)}</td>
      <td class="${r.shortfall > 0 ? "bad" : "good"}">${r.shortfall > 0 ? count(r.shortfall) : "无"}</td>
    </tr>`).join("");
}

function render(root: HTMLElement, progress: Progress, updated: Date): void {
  const types = (progress.byType ?? []).map((t) => `<tr><th scope="row">${
    escape(SCREENINGS[t.screeningType] ?? t.screeningType)}</th><td>${count(t.personsScreened)}</td></tr>`);
  if (!(progress.byType ?? []).some((t) => t.screeningType === "SCREENING_TYPE_NIPT")) {
    types.push(`<tr><th scope="row">${SCREENINGS.SCREENING_TYPE_NIPT}</th><td>${count(progress.niptScreened)}</td></tr>`);
  }
  root.querySelector("#totals")!.innerHTML =
    target("免费筛查人数（45–60 周岁）", progress.personsScreened, progress.personsTarget,
           progress.personsShare, progress.personsProjection, "人") +
    target("免费无创产前基因检测（NIPT）", progress.niptScreened, progress.niptTarget,
           progress.niptShare, progress.niptProjection, "例");
  root.querySelectorAll<HTMLElement>("#totals .bar span").forEach((bar, i) => {
    const part = i === 0 ? progress.personsShare : progress.niptShare;
    bar.style.width = `${Math.min(100, (part ?? 0) * 100)}%`;
  });
  root.querySelector("#types tbody")!.innerHTML = types.join("");
  root.querySelector("#referrals tbody")!.innerHTML = `
    <tr><th scope="row">阳性 / 高风险</th><td>${count(progress.positives)}</td></tr>
    <tr><th scope="row">已转诊</th><td>${count(progress.referralsOpened)}</td></tr>
    <tr><th scope="row">已完成随访</th><td>${count(progress.referralsCompleted)}</td></tr>
    <tr><th scope="row">逾期未随访</th><td class="${num(progress.referralsOverdue) > 0 ? "bad" : ""}">${
      count(progress.referralsOverdue)}</td></tr>
    <tr><th scope="row">样本不合格待复查</th><td>${count(progress.samplesFailed)}</td></tr>`;
  root.querySelector("#districts tbody")!.innerHTML = districtRows(progress);
  root.querySelector("#year")!.textContent = `${progress.programmeYear} 年度`;
  root.querySelector("#updated")!.textContent = `更新于 ${clock(updated)}`;
}

export function showDashboard(root: HTMLElement, _session: Session): () => void {
  root.innerHTML = `
    <div class="dashboard">
      <div class="title-row">
        <h1>实时进展 <span id="year" class="year"></span></h1>
        <p class="status"><span id="live" class="live">连接中…</span>　<span id="updated"></span></p>
      </div>
      <div id="totals" class="totals"></div>
      <div class="columns">
        <section class="card" aria-labelledby="trend-title">
          <h2 id="trend-title">每日筛查人数</h2>
          <div id="trend" class="chart" role="img" aria-label="全年每日筛查人数与累计人数"></div>
        </section>
        <section class="card">
          <h2>分项目</h2>
          <table id="types"><thead><tr><th scope="col">项目</th><th scope="col">人数</th></tr></thead><tbody></tbody></table>
          <h2>阳性与转诊</h2>
          <table id="referrals"><thead><tr><th scope="col">事项</th><th scope="col">人数</th></tr></thead><tbody></tbody></table>
        </section>
      </div>
      <section class="card">
        <h2>各区县任务完成情况（按预计缺口排序）</h2>
        <div class="scroll">
        <table id="districts">
          <thead><tr><th scope="col">区县</th><th scope="col">已筛查</th><th scope="col">任务数</th>
            <th scope="col">完成率</th><th scope="col">预计年底</th><th scope="col">预计缺口</th></tr></thead>
          <tbody></tbody>
        </table>
        </div>
      </section>
    </div>`;
  const chart = echarts.init(root.querySelector<HTMLElement>("#trend")!);
  const resize = () => chart.resize();
  window.addEventListener("resize", resize);
  const live = root.querySelector<HTMLElement>("#live")!;
  const controller = new AbortController();
  let lastOffset = "";
  let trendTimer: number | undefined;

  const refreshTrend = async () => {
    const daily = await call<Progress>("screening.v1.ProgressService/GetProgress",
                                       { programmeYear: 0, groupBy: "PROGRESS_DIMENSION_DAY" });
    const days = (daily.groups ?? []).slice().sort((a, b) => a.key.localeCompare(b.key));
    let total = 0;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: ["当日", "累计"], top: 0 },
      grid: { left: 56, right: 64, top: 32, bottom: 28 },
      xAxis: { type: "category", data: days.map((d) => d.key.slice(5)) },
      yAxis: [{ type: "value", name: "当日" }, { type: "value", name: "累计" }],
      series: [
        { name: "当日", type: "bar", data: days.map((d) => num(d.personsScreened)), itemStyle: { color: "#2f6fb3" } },
        { name: "累计", type: "line", yAxisIndex: 1, showSymbol: false,
          data: days.map((d) => (total += num(d.personsScreened))), itemStyle: { color: "#c0392b" } },
      ],
    });
    // The days drawn: what the browser test and the paint benchmark wait for.
    root.querySelector<HTMLElement>("#trend")!.dataset.days = String(days.length);
  };
  // The trend at the first update at once, then at most once a second
  // while results stream in.
  let lastTrend = 0;
  const scheduleTrend = () => {
    if (trendTimer !== undefined) return;
    const wait = Math.max(0, lastTrend + 1000 - Date.now());
    trendTimer = window.setTimeout(() => {
      trendTimer = undefined;
      lastTrend = Date.now();
      refreshTrend().catch(() => undefined);
    }, wait);
  };

  (async () => {
    let backoff = 500;
    while (!controller.signal.aborted) {
      try {
        for await (const update of stream<{ offset: string; progress: Progress }>(
          "screening.v1.ProgressService/WatchProgress",
          { programmeYear: 0, groupBy: "PROGRESS_DIMENSION_RESIDENT_DISTRICT", after: lastOffset },
          controller.signal)) {
          lastOffset = update.offset;
          backoff = 500;
          live.textContent = "● 实时";
          live.className = "live on";
          render(root, update.progress, new Date());
          scheduleTrend();
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      live.textContent = "重新连接中…";
      live.className = "live off";
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 3000);  // a restart takes seconds: come back soon after
    }
  })();

  return () => {
    controller.abort();
    window.removeEventListener("resize", resize);
    if (trendTimer !== undefined) clearTimeout(trendTimer);
    chart.dispose();
  };
}
