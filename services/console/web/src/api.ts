// The browser's client of screeningd's HTTP face: Connect unary calls (JSON
// over POST), Connect server streams (enveloped JSON), and sign-in. The
// session token lives in an HttpOnly cookie: this code never sees it.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; details?: unknown[] } = {};
  try {
    body = JSON.parse(await response.text());
  } catch {
    // not JSON: keep the HTTP status
  }
  return new ApiError(response.status, body.code ?? "unknown", body.message ?? response.statusText,
    body.details ?? []);
}

export async function call<T>(procedure: string, request: object): Promise<T> {
  const response = await fetch(`/${procedure}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
    credentials: "same-origin",
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

// Flags (0), the length (4 bytes, big-endian), the JSON.
function envelope(message: object): ArrayBuffer {
  const payload = new TextEncoder().encode(JSON.stringify(message));
  const out = new ArrayBuffer(5 + payload.length);
  new DataView(out).setUint32(1, payload.length);
  new Uint8Array(out).set(payload, 5);
  return out;
}

// The messages of a server stream, until it ends; an error it ends with is thrown.
export async function* stream<T>(procedure: string, request: object,
                                 signal: AbortSignal): AsyncGenerator<T> {
  const response = await fetch(`/${procedure}`, {
    method: "POST",
    headers: { "Content-Type": "application/connect+json" },
    body: envelope(request),
    credentials: "same-origin",
    signal,
  });
  if (!response.ok || response.body === null) throw await errorOf(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buffer.length + value.length);
    joined.set(buffer);
    joined.set(value, buffer.length);
    buffer = joined;
    while (buffer.length >= 5) {
      const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
      if (buffer.length < 5 + length) break;
      const flags = buffer[0];
      const message = JSON.parse(decoder.decode(buffer.subarray(5, 5 + length)));
      buffer = buffer.slice(5 + length);
      if (flags & 0x02) {
        const error = message.error;
        if (error) throw new ApiError(200, error.code, error.message ?? "", error.details ?? []);
        return;
      }
      yield message as T;
    }
  }
  throw new ApiError(0, "unavailable", "the stream ended without its end message");
}

export interface Session {
  caller: string;
  role: string;
  scope: string;
}

export async function signIn(username: string, password: string): Promise<Session> {
  const response = await fetch("/auth/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
    credentials: "same-origin",
  });
  if (!response.ok) throw await errorOf(response);
  return currentSession() as Promise<Session>;
}

export async function currentSession(): Promise<Session | null> {
  const response = await fetch("/auth/session", { credentials: "same-origin" });
  if (response.status === 401) return null;
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as Session;
}

export async function signOut(): Promise<void> {
  await fetch("/auth/sign-out", { method: "POST", credentials: "same-origin" });
}
