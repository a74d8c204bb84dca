// Preloaded into a server the bench starts (node --import): how long its event loop was
// held, so a search or a payment run shows what every other caller waited. On SIGUSR2 it
// writes the delay since the last signal (p50, p99, max in ms) to LOOP_DELAY_FILE and
// starts again.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
process.on('SIGUSR2', () => {
  const ms = (ns) => ns / 1e6;
  const file = process.env.LOOP_DELAY_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify({ p50_ms: ms(histogram.percentile(50)), p99_ms: ms(histogram.percentile(99)), max_ms: ms(histogram.max) }));
  histogram.reset();
});
