// The sign-in page (登录).
import { ApiError, Session, signIn } from "./api";
import { escape } from "./format";

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "resource_exhausted") return "密码错误次数过多，账号已暂时锁定，请 15 分钟后再试或联系管理员。";
    if (error.code === "unauthenticated") {
      const left = /; (\d+) more/.exec(error.message);
      return left ? `用户名或密码错误，再错 ${left[1]} 次账号将被锁定 15 分钟。` : "用户名或密码错误。";
    }
    if (error.code === "invalid_argument") return "请输入用户名和密码。";
  }
  return "暂时无法登录，请稍后再试。";
}

export function showSignIn(root: HTMLElement, onSignedIn: (session: Session) => void): void {
  root.innerHTML = `
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">哈尔滨市免费筛查工作平台</h1>
      <p class="subtitle">社区卫生服务机构 · 医院 · 市卫健委</p>
      <form novalidate>
        <label for="username">用户名</label>
        <input id="username" name="username" autocomplete="username" required autofocus>
        <label for="password">密码</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <p class="error" role="alert" id="sign-in-error"></p>
        <button type="submit">登录</button>
      </form>
    </section>`;
  const form = root.querySelector("form")!;
  const error = root.querySelector<HTMLElement>("#sign-in-error")!;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector("button")!;
    button.disabled = true;
    error.textContent = "";
    try {
      onSignedIn(await signIn(String(data.get("username") ?? "").trim(),
                              String(data.get("password") ?? "")));
    } catch (e) {
      error.innerHTML = escape(explain(e));
    } finally {
      button.disabled = false;
    }
  });
}
