// The console's entry: who is signed in decides the page.
import { currentSession, Session, signOut } from "./api";
import { showAccounts } from "./accounts";
import { showClinic } from "./clinic";
import { showHospital } from "./hospital";
import { showDashboard } from "./dashboard";
import { showReport } from "./report";
import { escape } from "./format";
import { showSignIn } from "./signin";

const ROLES: Record<string, string> = {
  commission: "市卫健委",
  admin: "系统管理员",
  clinic: "社区卫生服务机构",
  hospital: "医院",
};

let stopPage: (() => void) | null = null;

function frame(root: HTMLElement, session: Session): HTMLElement {
  root.innerHTML = `
    <header class="top">
      <span class="brand">哈尔滨市免费筛查</span>
      ${session.role === "commission" || session.role === "admin" ? `<nav aria-label="页面">
        <a href="#/dashboard">实时进展</a><a href="#/report">季度报告</a>${
        session.role === "admin" ? `<a href="#/accounts">账号管理</a>` : ""}</nav>` : ""}
      <span class="who">${escape(ROLES[session.role] ?? session.role)}${
        session.scope ? ` · ${escape(session.scope)}` : ""}</span>
      <button type="button" class="sign-out">退出登录</button>
    </header>
    <div class="page"></div>`;
  root.querySelector(".sign-out")!.addEventListener("click", async () => {
    stopPage?.();
    await signOut();
    start(root);
  });
  return root.querySelector<HTMLElement>(".page")!;
}

function open(root: HTMLElement, session: Session): void {
  const page = frame(root, session);
  if (session.role === "commission" || session.role === "admin") {
    const route = () => {
      stopPage?.();
      const wanted = location.hash === "#/report" ? "#/report"
                   : location.hash === "#/accounts" && session.role === "admin" ? "#/accounts"
                   : "#/dashboard";
      root.querySelectorAll("nav a").forEach((a) =>
        a.toggleAttribute("aria-current", a.getAttribute("href") === wanted));
      stopPage = wanted === "#/report" ? showReport(page, session)
               : wanted === "#/accounts" ? showAccounts(page)
               : showDashboard(page, session);
    };
    window.onhashchange = route;
    route();
  } else if (session.role === "clinic") {
    stopPage = showClinic(page, session);
  } else if (session.role === "hospital") {
    stopPage = showHospital(page, session);
  } else {
    page.innerHTML = `<section class="notice"><h1>无可用页面</h1>
      <p>该账号的角色没有控制台页面。</p></section>`;
  }
}

async function start(root: HTMLElement): Promise<void> {
  stopPage?.();
  stopPage = null;
  const session = await currentSession().catch(() => null);
  if (session === null) {
    showSignIn(root, (signedIn) => open(root, signedIn));
  } else {
    open(root, session);
  }
}

start(document.getElementById("app")!);
