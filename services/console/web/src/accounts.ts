// Staff accounts (账号管理), for admins: who may sign in to the console and as
// whom; create, disable or enable, unlock, set a new password.
import { ApiError, call } from "./api";
import { DISTRICTS, escape } from "./format";

interface Account {
  name: string;
  username: string;
  caller: string;
  displayName?: string;
  disabled?: boolean;
  failedAttempts?: number;
  lockedUntilTime?: string;
  createTime?: string;
}

const SERVICE = "screening.v1.AccountService";

function callerText(caller: string): string {
  const [role, scope] = caller.split(":");
  if (role === "clinic") return `社区 · ${DISTRICTS[scope] ?? scope}`;
  if (role === "hospital") return `医院 · ${scope}`;
  if (role === "commission") return "市卫健委";
  if (role === "admin") return "系统管理员";
  return caller;
}

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.details.flatMap((d) => {
      const violations = (d as { debug?: { fieldViolations?: { field: string; description: string }[] } })
        .debug?.fieldViolations ?? [];
      return violations.map((v) => `${v.field}: ${v.description}`);
    });
    if (error.code === "already_exists") return "该用户名已被使用。";
    return fields.length > 0 ? `请检查：${fields.join("；")}` : error.message;
  }
  return "请求失败，请稍后再试。";
}

export function showAccounts(root: HTMLElement): () => void {
  root.innerHTML = `
    <div class="accounts">
      <div class="title-row"><h1>账号管理</h1></div>
      <form class="card account-form" id="create-account">
        <h2>新建账号</h2>
        <label for="new-username">用户名</label><input id="new-username" required autocomplete="off">
        <label for="new-display-name">姓名</label><input id="new-display-name" autocomplete="off">
        <label for="new-role">身份</label>
        <select id="new-role">
          <option value="clinic">社区卫生服务机构</option><option value="hospital">医院</option>
          <option value="commission">市卫健委</option><option value="admin">系统管理员</option>
        </select>
        <label for="new-district">区县</label>
        <select id="new-district">${Object.entries(DISTRICTS).map(([code, name]) =>
          `<option value="${code}">${escape(name)}（${code}）</option>`).join("")}</select>
        <label for="new-hospital">医院代码</label><input id="new-hospital" placeholder="如 HRB-DL-01">
        <label for="new-password">初始密码</label>
        <input id="new-password" type="password" autocomplete="new-password" minlength="10">
        <button type="submit">创建</button>
      </form>
      <p class="error" role="alert" id="accounts-error"></p>
      <section class="card">
        <h2>全部账号</h2>
        <div class="scroll"><table id="account-list"><thead><tr><th scope="col">用户名</th>
          <th scope="col">姓名</th><th scope="col">身份</th><th scope="col">状态</th>
          <th scope="col">操作</th></tr></thead><tbody></tbody></table></div>
      </section>
    </div>`;
  const error = root.querySelector<HTMLElement>("#accounts-error")!;
  const value = (id: string) => root.querySelector<HTMLInputElement>(`#${id}`)!.value.trim();

  const refresh = async () => {
    const { accounts = [] } = await call<{ accounts?: Account[] }>(`${SERVICE}/ListAccounts`, {});
    root.querySelector("#account-list tbody")!.innerHTML = accounts.map((a) => {
      const state = a.disabled ? "已停用" : a.lockedUntilTime ? "已锁定" : "正常";
      return `<tr data-name="${escape(a.name)}">
        <td>${escape(a.username)}</td><td>${escape(a.displayName ?? "")}</td>
        <td>${escape(callerText(a.caller))}</td><td>${state}</td>
        <td class="row-actions">
          <button type="button" data-action="${a.disabled ? "enable" : "disable"}"
            aria-label="${a.disabled ? "启用" : "停用"} ${escape(a.username)}">${a.disabled ? "启用" : "停用"}</button>
          ${a.lockedUntilTime ? `<button type="button" data-action="unlock" aria-label="解锁 ${
            escape(a.username)}">解锁</button>` : ""}
          <button type="button" data-action="password" aria-label="重置 ${escape(a.username)} 的密码">重置密码</button>
        </td></tr>`;
    }).join("");
  };

  root.querySelector("#account-list")!.addEventListener("click", async (event) => {
    const button = (event.target as HTMLElement).closest("button");
    const name = button?.closest("tr")?.getAttribute("data-name");
    if (!button || !name) return;
    const action = button.getAttribute("data-action");
    const request: Record<string, unknown> = { account: { name } };
    if (action === "enable" || action === "disable") {
      request.account = { name, disabled: action === "disable" };
      request.updateMask = "disabled";
    } else if (action === "unlock") {
      request.unlock = true;
    } else {
      const password = window.prompt("新密码（10 到 128 个字符）：");
      if (!password) return;
      request.newPassword = password;
    }
    error.textContent = "";
    try {
      await call(`${SERVICE}/UpdateAccount`, request);
      await refresh();
    } catch (e) {
      error.textContent = explain(e);
    }
  });

  root.querySelector("#create-account")!.addEventListener("submit", async (event) => {
    event.preventDefault();
    const role = value("new-role");
    const caller = role === "clinic" ? `clinic:${value("new-district")}`
                 : role === "hospital" ? `hospital:${value("new-hospital")}` : role;
    error.textContent = "";
    try {
      await call(`${SERVICE}/CreateAccount`, {
        account: { username: value("new-username"), displayName: value("new-display-name"), caller },
        password: root.querySelector<HTMLInputElement>("#new-password")!.value,
      });
      (event.target as HTMLFormElement).reset();
      await refresh();
    } catch (e) {
      error.textContent = explain(e);
    }
  });
  refresh().catch((e) => (error.textContent = explain(e)));
  return () => undefined;
}
