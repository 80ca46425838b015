/**
 * Progress of long work (a prune, seeding a benchmark) for a person at a terminal: one line
 * rewritten in place, at most four times a second. When the stream is not a terminal (CI logs,
 * pipes, cron) it writes nothing: the work's final report is what those readers want.
 */

export interface Progress {
  update(text: string): void;
  /** Clears the line (the final report follows on its own line). */
  done(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export function terminalProgress(stream: ProgressStream = process.stderr, now: () => number = () => performance.now(), intervalMs = 250): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let lastMs = -Infinity;
  let shown = false;
  return {
    update(text) {
      const at = now();
      if (at - lastMs < intervalMs) return;
      lastMs = at;
      shown = true;
      stream.write(`\r\u001b[2K${text}`);
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
