/**
 * Loading state for one data source: the data, whether it is loading, and an error
 * sentence for the page. A newer load wins over an older one still in flight (a user
 * who switches students quickly never sees the previous student's records).
 */
import { shallowRef, watch, type ShallowRef, type WatchSource } from "vue";
import { describeError } from "../lib/errors.js";

export interface Loaded<T> {
  data: ShallowRef<T | null>;
  loading: ShallowRef<boolean>;
  error: ShallowRef<string | null>;
  reload: () => Promise<void>;
}

/**
 * `what` names the data in the error sentence ("the course map"). `load` answers null
 * when there is nothing to load (no course picked yet).
 */
export function useLoad<T>(
  what: string,
  load: () => Promise<T | null>,
  source?: WatchSource,
): Loaded<T> {
  const data = shallowRef<T | null>(null);
  const loading = shallowRef(false);
  const error = shallowRef<string | null>(null);
  let generation = 0;

  async function reload(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const result = await load();
      if (mine === generation) data.value = result;
    } catch (failure) {
      if (mine === generation) {
        data.value = null;
        error.value = describeError(failure, what);
      }
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  if (source) watch(source, () => void reload(), { immediate: true });
  else void reload();
  return { data, loading, error, reload };
}
