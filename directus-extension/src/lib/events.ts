/**
 * Directus' action events for writes made with plain SQL, which emit nothing by
 * themselves: realtime subscriptions (and flows) listen to these. The endpoint context's
 * `emitter` is local to extensions, so the core emitter is loaded from Directus' own
 * install (`@directus/api/emitter`, resolved from the folder Directus runs in). Emitted
 * after the commit, so that a subscriber's re-read finds the rows.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { WriteEvent } from "./apply.js";

interface CoreEmitter {
  emitAction(
    event: string | string[],
    meta: Record<string, unknown>,
    context: Record<string, unknown>,
  ): void;
}

interface Logger {
  warn(message: string): void;
}

let core: Promise<CoreEmitter | null> | undefined;

export function coreEmitter(logger: Logger): Promise<CoreEmitter | null> {
  core ??= (async () => {
    try {
      const require = createRequire(path.join(process.cwd(), "package.json"));
      const module = (await import(
        pathToFileURL(require.resolve("@directus/api/emitter")).href
      )) as { default: CoreEmitter };
      return module.default;
    } catch (error) {
      logger.warn(
        `Pathwise: Directus' event emitter was not found (${String(error)}); realtime subscribers will not be told about graded attempts`,
      );
      return null;
    }
  })();
  return core;
}

export function emitWrites(
  emitter: CoreEmitter,
  events: WriteEvent[],
  context: Record<string, unknown>,
): void {
  for (const event of events) {
    const names = [
      `items.${event.action}`,
      `${event.collection}.items.${event.action}`,
    ];
    if (event.action === "create") {
      emitter.emitAction(
        names,
        {
          payload: event.payload,
          key: event.key,
          collection: event.collection,
        },
        context,
      );
    } else {
      // String keys, as REST emits them: a subscription to one item compares with strings.
      emitter.emitAction(
        names,
        {
          payload: event.payload,
          keys: event.keys.map(String),
          collection: event.collection,
        },
        context,
      );
    }
  }
}
