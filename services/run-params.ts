import { z } from 'zod';
import { parseSourceSpec } from '../activities/collect/sources/spec';
import type { PipelineParams, RunTrigger } from '../workflows/types';
import { parseWindow } from '../workflows/window';
import { parseInput } from './validate';

/** The body of POST /runs and the options of `trendflow run`, validated the same way. */
export const runRequestSchema = z.object({
  sources: z
    .array(
      z.string().trim().min(1).max(2048).superRefine((spec, ctx) => {
        try {
          parseSourceSpec(spec);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    )
    .min(1, 'give at least one source spec, e.g. "csv:./items.csv" or "rss:https://example.com/feed.xml"')
    .max(100),
  window: z
    .string()
    .default('all')
    .superRefine((w, ctx) => {
      try {
        parseWindow(w);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  embedBatchSize: z.number().int().min(1).max(5000).optional(),
  summarizeConcurrency: z.number().int().min(1).max(64).optional(),
}).strict();

export type RunRequest = z.infer<typeof runRequestSchema>;

/** Parses untrusted input into pipeline params, or throws a ValidationError listing every problem. */
export function parseRunRequest(input: unknown, trigger: RunTrigger): PipelineParams {
  const data = parseInput(runRequestSchema, input);
  return { ...data, sources: [...new Set(data.sources)], trigger };
}
