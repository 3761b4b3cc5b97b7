/**
 * Change detection for files the server re-reads (the serving certificate, the exception files):
 * their directories are watched with fs.watch, a burst of events becomes one call after a debounce,
 * and a periodic call covers file systems where watching misses changes (or a directory that cannot be
 * watched at all).
 */
import { watch, type FSWatcher } from 'node:fs';

export interface ChangeWatchOptions {
  /** Directories to watch; one that cannot be watched is left to the periodic call. */
  dirs: Iterable<string>;
  /** Watch the directories' subdirectories too. */
  recursive?: boolean;
  /** Called after a change event, once no further event came for `debounceMs`, and every `pollMs` (0: only on events). */
  check: () => void;
  debounceMs: number;
  pollMs: number;
}

/** Starts watching now; `stop()` closes the watchers and clears the timers. */
export function watchForChanges(o: ChangeWatchOptions): { stop(): void } {
  let stopped = false;
  let debounce: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const dir of o.dirs) {
    try {
      const w = watch(dir, { persistent: false, recursive: o.recursive ?? false }, () => {
        if (stopped) return;
        if (debounce) clearTimeout(debounce);
        debounce = setTimeout(o.check, o.debounceMs);
        debounce.unref();
      });
      // Watching can stop (the directory went away, inotify limits); the periodic call still covers it.
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // Not watchable here: the periodic call only.
    }
  }
  let poll: NodeJS.Timeout | undefined;
  if (o.pollMs > 0) {
    poll = setInterval(o.check, o.pollMs);
    poll.unref();
  }
  return {
    stop(): void {
      stopped = true;
      for (const w of watchers) w.close();
      watchers.length = 0;
      if (poll) clearInterval(poll);
      if (debounce) clearTimeout(debounce);
    },
  };
}
