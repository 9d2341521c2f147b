/** Reads a model service's own counters, to prove how many generations really ran there. */
export async function generationsStarted(serviceUrl: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('model_service_jobs_submitted_total')) total += Number(line.split(' ').pop());
  }
  return total;
}
