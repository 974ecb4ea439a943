import type { DayCell, DayState } from '../../../core/api/coverage.js';
import { esc } from './html.js';

export const STATE_LABELS: Record<DayState, string> = {
  loaded: 'loaded',
  restated: 'restated',
  quarantined: 'quarantined',
  missing: 'missing',
  late: 'late',
  due: 'due today',
  none: 'before the first load',
};

const CELL = 12;
const GAP = 2;

/**
 * A strip of trading days as inline SVG, one cell per day coloured by state, each with a <title> (the day, its
 * state and the batches that touched it) that a browser shows on hover and a screen reader reads.
 */
export function stripSvg(dataset: string, cells: readonly DayCell[]): string {
  const width = Math.max(1, cells.length) * (CELL + GAP);
  const rects = cells
    .map((cell, i) => {
      const title = [`${cell.day}: ${STATE_LABELS[cell.state]}`, ...cell.batches].join('\n');
      return `<rect x="${i * (CELL + GAP)}" y="0" width="${CELL}" height="${CELL * 2}" rx="2" fill="var(--${fillOf(cell.state)})" data-day="${esc(cell.day)}" data-state="${cell.state}"><title>${esc(title)}</title></rect>`;
    })
    .join('');
  return `<svg class="strip" viewBox="0 0 ${width} ${CELL * 2}" role="img" aria-label="${esc(`${dataset}: last ${cells.length} trading days`)}" preserveAspectRatio="xMinYMid meet" style="max-width:${width * 1.5}px">${rects}</svg>`;
}

/** The legend under every strip. */
export function legend(): string {
  const items = (Object.keys(STATE_LABELS) as DayState[]).map(
    (s) => `<span><i style="background:var(--${fillOf(s)})"></i>${STATE_LABELS[s]}</span>`,
  );
  return `<div class="legend">${items.join('')}</div>`;
}

function fillOf(state: DayState): string {
  return state === 'loaded' ? 'ok' : state;
}
