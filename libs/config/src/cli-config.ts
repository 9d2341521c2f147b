import { z } from 'zod';

/** What the `videogw` CLI reads: where the gateway is and the bearer token to send. */
export const cliConfigSchema = z.object({
  VIDEOGW_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
  VIDEOGW_TOKEN: z.string().min(1).optional(),
});

export type CliConfig = z.output<typeof cliConfigSchema>;

/** The CLI's settings, or a message naming the bad variable. */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig | { error: string } {
  const result = cliConfigSchema.safeParse(env);
  if (result.success) return result.data;
  return { error: result.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; ') };
}
