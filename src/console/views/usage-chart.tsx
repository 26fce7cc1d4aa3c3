import type { ApiSchemas } from '../api.js';
import type { View } from './view.js';
import { wireTime } from './view.js';

type UsageRecord = ApiSchemas['UsageRecord'];

const WIDTH = 640;
const HEIGHT = 160;
const PAD = { top: 14, right: 8, bottom: 22, left: 44 };
/** Windows shown at most: two days of hourly windows. */
export const CHART_WINDOWS = 48;

/**
 * The usage of an instance's last billing windows as an inline SVG bar chart, one bar a record, coloured by its delivery
 * state (no script, no library: the page's style sheet colours it).
 */
export const UsageChart = ({ view, records }: { view: View; records: UsageRecord[] }) => {
  const shown = [...records].sort((a, b) => (a.beginTime < b.beginTime ? -1 : 1)).slice(-CHART_WINDOWS);
  if (shown.length === 0) return <p class="intro">{view.t('chart.empty')}</p>;
  const values = shown.map((record) => Number(record.usageValue));
  const max = Math.max(...values);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / shown.length;
  const barWidth = Math.max(1, step * 0.75);
  const label = view.t('chart.label', { n: shown.length, max: shown[values.indexOf(max)]!.usageValue });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} role="img" aria-label={label}>
        <line x1={PAD.left} y1={PAD.top + plotHeight} x2={WIDTH - PAD.right} y2={PAD.top + plotHeight} />
        <line x1={PAD.left} y1={PAD.top} x2={WIDTH - PAD.right} y2={PAD.top} />
        <text x={PAD.left - 4} y={PAD.top + 4} text-anchor="end">
          {shown[values.indexOf(max)]!.usageValue}
        </text>
        <text x={PAD.left - 4} y={PAD.top + plotHeight} text-anchor="end">
          0
        </text>
        {shown.map((record, i) => {
          const height = max > 0 ? (values[i]! / max) * plotHeight : 0;
          return (
            <rect
              class={`bar-${record.state}`}
              x={(PAD.left + i * step + (step - barWidth) / 2).toFixed(1)}
              y={(PAD.top + plotHeight - height).toFixed(1)}
              width={barWidth.toFixed(1)}
              height={height.toFixed(1)}
            >
              <title>{`${wireTime(record.beginTime)}–${wireTime(record.endTime).slice(11)} UTC: ${record.usageValue} (${view.t(`record.${record.state}`)})`}</title>
            </rect>
          );
        })}
        <text x={PAD.left} y={HEIGHT - 6}>
          {wireTime(shown[0]!.beginTime)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end">
          {wireTime(shown.at(-1)!.endTime)}
        </text>
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
};
