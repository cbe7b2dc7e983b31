// Keeps the page fed: the history once, then the server's event stream. When the stream drops, the page says
// so and reconnects with a growing delay (1 s, 2 s, 4 s ... 30 s), fetching the samples it missed first.

const minDelayMs = 1_000;
const maxDelayMs = 30_000;

/**
 * handlers: onHistory(body), onSample({ sample, state }), onCollectFailed(failure),
 * onStatus({ status: 'connecting' | 'live' | 'disconnected', retryInMs? }).
 */
export function follow(handlers, lastSampleTime) {
  let delayMs = minDelayMs;
  let source;

  const retry = () => {
    source?.close();
    source = undefined;
    handlers.onStatus({ status: 'disconnected', retryInMs: delayMs });
    setTimeout(connect, delayMs);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  };

  async function connect() {
    handlers.onStatus({ status: 'connecting' });
    try {
      const since = lastSampleTime();
      const response = await fetch(since === undefined ? '/api/history' : `/api/history?since=${since}`, {
        cache: 'no-store',
      });
      if (!response.ok) throw new Error(`history: HTTP ${response.status}`);
      handlers.onHistory(await response.json());
    } catch {
      retry();
      return;
    }
    source = new EventSource('/api/events');
    source.addEventListener('open', () => {
      delayMs = minDelayMs;
      handlers.onStatus({ status: 'live' });
    });
    source.addEventListener('sample', (event) => handlers.onSample(JSON.parse(event.data)));
    source.addEventListener('collect-failed', (event) => handlers.onCollectFailed(JSON.parse(event.data)));
    // EventSource would retry on its own at a fixed pace and without telling: take over.
    source.addEventListener('error', retry);
  }

  connect();
}
