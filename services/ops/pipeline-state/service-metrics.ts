/**
 * Scraping the services' own /metrics: what only they know (whether the reader streams, its slot lag in
 * seconds and snapshot progress, the sinks' latency histogram, dead letters counted). Each target is read
 * with a short timeout; an unreachable one is reported, never fatal: the sources of truth still answer.
 */
import { parsePrometheusText, type Sample } from './prometheus-text.ts';

export type ServiceName = 'reader' | 'sink' | 'marts';

export interface ScrapeTargets {
  reader: readonly string[];
  sink: readonly string[];
  marts: readonly string[];
}

export interface ServiceScrape {
  /** Samples of every target that answered, together. */
  samples: Sample[];
  /** Targets that answered. */
  reachable: number;
  /** Why each other target did not (the URL carries no credentials: these are plain service addresses). */
  failures: string[];
}

async function scrapeOne(url: string, timeoutMs: number): Promise<Sample[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return parsePrometheusText(await response.text());
}

export async function scrapeService(urls: readonly string[], timeoutMs = 2_000): Promise<ServiceScrape> {
  const results = await Promise.allSettled(urls.map((url) => scrapeOne(url, timeoutMs)));
  const scrape: ServiceScrape = { samples: [], reachable: 0, failures: [] };
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      scrape.samples.push(...result.value);
      scrape.reachable++;
    } else {
      const reason = result.reason as Error;
      const cause = (reason.cause as Error | undefined)?.message;
      scrape.failures.push(`${urls[index]}: ${cause ?? reason.message}`);
    }
  });
  return scrape;
}

export async function scrapeServices(
  targets: ScrapeTargets,
  timeoutMs?: number,
): Promise<Record<ServiceName, ServiceScrape>> {
  const [reader, sink, marts] = await Promise.all([
    scrapeService(targets.reader, timeoutMs),
    scrapeService(targets.sink, timeoutMs),
    scrapeService(targets.marts, timeoutMs),
  ]);
  return { reader, sink, marts };
}
