import type { MetricPoint, MetricRecord } from './lines.js';

/**
 * The standard qlib figures of a run, from its recorded metrics (qlib/workflow/record_temp.py): SigAnaRecord logs
 * `IC`, `ICIR`, `Rank IC`, `Rank ICIR`; PortAnaRecord logs `<freq>.excess_return_{without,with}_cost.<figure>` for
 * mean, std, annualized_return, information_ratio, max_drawdown (qlib/contrib/evaluate.py risk_analysis). A metric
 * logged more than once counts by its latest value (highest step, then timestamp), as MLflow's latest_metrics.
 */
export interface RunFigures {
  ic: number | null;
  icir: number | null;
  rankIc: number | null;
  rankIcir: number | null;
  excess: ExcessReturn[];
}

export interface ExcessReturn {
  frequency: string;
  cost: 'with_cost' | 'without_cost';
  mean: number | null;
  std: number | null;
  annualizedReturn: number | null;
  informationRatio: number | null;
  maxDrawdown: number | null;
}

const SIGNAL = { IC: 'ic', ICIR: 'icir', 'Rank IC': 'rankIc', 'Rank ICIR': 'rankIcir' } as const;
const EXCESS =
  /^([A-Za-z0-9]+)\.excess_return_(with|without)_cost\.(mean|std|annualized_return|information_ratio|max_drawdown)$/;
const FIGURE = {
  mean: 'mean',
  std: 'std',
  annualized_return: 'annualizedReturn',
  information_ratio: 'informationRatio',
  max_drawdown: 'maxDrawdown',
} as const;

/** Collects the latest value of the metrics the summary needs, one run at a time. */
export class FiguresBuilder {
  private readonly signal: Partial<Record<(typeof SIGNAL)[keyof typeof SIGNAL], number | null>> = {};
  private readonly excess = new Map<string, ExcessReturn>();

  add(metric: MetricRecord): void {
    const value = latestValue(metric.history);
    if (metric.key in SIGNAL) {
      this.signal[SIGNAL[metric.key as keyof typeof SIGNAL]] = value;
      return;
    }
    const m = EXCESS.exec(metric.key);
    if (m === null) return;
    const [, frequency, cost, figure] = m as unknown as [
      string,
      string,
      'with' | 'without',
      keyof typeof FIGURE,
    ];
    const id = `${frequency}|${cost}`;
    let row = this.excess.get(id);
    if (row === undefined) {
      row = {
        frequency,
        cost: `${cost}_cost`,
        mean: null,
        std: null,
        annualizedReturn: null,
        informationRatio: null,
        maxDrawdown: null,
      };
      this.excess.set(id, row);
    }
    row[FIGURE[figure]] = value;
  }

  result(): RunFigures {
    const excess = [...this.excess.values()].sort((a, b) =>
      a.frequency === b.frequency ? a.cost.localeCompare(b.cost) : a.frequency.localeCompare(b.frequency),
    );
    return {
      ic: this.signal.ic ?? null,
      icir: this.signal.icir ?? null,
      rankIc: this.signal.rankIc ?? null,
      rankIcir: this.signal.rankIcir ?? null,
      excess,
    };
  }
}

/** The value of the latest point (highest step, then timestamp, then the last logged); non-finite → null. */
export function latestValue(history: readonly MetricPoint[]): number | null {
  let best: MetricPoint | undefined;
  for (const point of history) {
    if (best === undefined || point[0] > best[0] || (point[0] === best[0] && point[1] >= best[1]))
      best = point;
  }
  return best === undefined || typeof best[2] !== 'number' ? null : best[2];
}

/** The 1day excess-return figures the summary row keeps as columns. */
export function dayFigures(
  figures: RunFigures,
  cost: 'with_cost' | 'without_cost',
): ExcessReturn | undefined {
  return figures.excess.find((e) => e.frequency === '1day' && e.cost === cost);
}
