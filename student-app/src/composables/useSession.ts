// The signed-in student and the Directus client: one per app (the pages share them).
import { reactive, readonly, shallowRef } from "vue";
import { call, makeClient, readMe, type Client } from "../lib/api";
import { loadConfig, resolveConfig } from "../lib/config";
import { AppError, fromDirectusError } from "../lib/errors";

export interface Me {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string;
}

const state = reactive({
  ready: false,
  me: null as Me | null,
  /** A problem with a service, shown in the banner until it is solved. */
  outage: null as AppError | null,
});
const client = shallowRef<Client | null>(null);
let urls: ReturnType<typeof resolveConfig> | null = null;

async function init(): Promise<void> {
  if (state.ready) return;
  urls = resolveConfig(await loadConfig(), window.location.href);
  client.value = makeClient(urls.directus, urls.websocket);
  // A stored session: renew it (autoRefresh) and find out who is signed in.
  if (localStorage.getItem("pathwise.auth")) {
    try {
      await client.value.refresh();
      state.me = await call<Me>(
        client.value,
        readMe({ fields: ["id", "first_name", "last_name", "email"] }),
      );
      state.outage = null;
    } catch (error) {
      const e = fromDirectusError(error);
      if (e.kind === "unreachable") state.outage = e;
      else localStorage.removeItem("pathwise.auth");
    }
  }
  state.ready = true;
}

async function login(email: string, password: string): Promise<void> {
  const c = client.value!;
  try {
    await c.login({ email, password });
  } catch (error) {
    const e = fromDirectusError(error);
    if (e.kind === "unreachable") state.outage = e;
    throw e;
  }
  state.outage = null;
  state.me = await call<Me>(
    c,
    readMe({ fields: ["id", "first_name", "last_name", "email"] }),
  );
}

async function logout(): Promise<void> {
  const c = client.value;
  state.me = null;
  try {
    c?.disconnect();
    await c?.logout();
  } catch {
    // signed out locally either way
  }
  localStorage.removeItem("pathwise.auth");
}

function reportOutage(error: AppError | null): void {
  state.outage = error && error.kind === "unreachable" ? error : null;
}

export function useSession() {
  return {
    state: readonly(state),
    client,
    init,
    login,
    logout,
    reportOutage,
    workerUrl: () => urls!.worker,
  };
}
