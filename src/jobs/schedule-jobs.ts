/**
 * The one place jobs are scheduled. Jobs are plain async functions; here they get a cron
 * expression, never overlap themselves, and a failure is logged instead of crashing the process.
 */
import cron from 'node-cron';
import type { Logger } from 'pino';

export interface Job {
  name: string;
  /** node-cron expression (seconds field allowed). */
  schedule: string;
  run: () => Promise<void>;
}

export interface ScheduledJobs {
  stop(): Promise<void>;
}

export function scheduleJobs(jobs: readonly Job[], logger: Logger): ScheduledJobs {
  const tasks = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      async () => {
        try {
          await job.run();
        } catch (error) {
          logger.error({ err: error, job: job.name }, 'job failed');
        }
      },
      { name: job.name, noOverlap: true },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((task) => task.stop()));
    },
  };
}
