import { describe, expect, it } from 'vitest';
import { terminalProgress } from '../../../src/cli/progress.js';

const stream = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (chunk: string) => chunks.push(chunk) > 0 };
};

describe('terminalProgress', () => {
  it('rewrites one line on a terminal, at most once per interval, and clears it when done', () => {
    const tty = stream(true);
    let now = 0;
    const progress = terminalProgress(tty, () => now, 250);
    progress.update('1 partition');
    now = 100;
    progress.update('2 partitions');
    now = 300;
    progress.update('3 partitions');
    progress.done();
    expect(tty.chunks).toEqual(['\r\u001b[2K1 partition', '\r\u001b[2K3 partitions', '\r\u001b[2K']);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const pipe = stream(false);
    const progress = terminalProgress(pipe, () => 0);
    progress.update('1 partition');
    progress.done();
    expect(pipe.chunks).toEqual([]);
  });
});
