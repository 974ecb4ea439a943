-- The HTTP API's run lists (GET /v1/runs?order_by=<column>, docs/api.md "Experiments"; the status page's
-- leaderboard): one index per sortable summary column, with the run id as the tie-break, so a page in a column's
-- order reads `limit` index entries from the keyset position instead of sorting the whole table each page.
-- One statement: InnoDB applies it whole or not at all.
ALTER TABLE run_summaries
  ADD KEY ix_run_order_start_time (start_time, run_id),
  ADD KEY ix_run_order_end_time (end_time, run_id),
  ADD KEY ix_run_order_ic (ic, run_id),
  ADD KEY ix_run_order_icir (icir, run_id),
  ADD KEY ix_run_order_rank_ic (rank_ic, run_id),
  ADD KEY ix_run_order_rank_icir (rank_icir, run_id),
  ADD KEY ix_run_order_ann_return_without_cost (ann_return_without_cost_1day, run_id),
  ADD KEY ix_run_order_info_ratio_without_cost (info_ratio_without_cost_1day, run_id),
  ADD KEY ix_run_order_max_drawdown_without_cost (max_drawdown_without_cost_1day, run_id),
  ADD KEY ix_run_order_ann_return_with_cost (ann_return_with_cost_1day, run_id),
  ADD KEY ix_run_order_info_ratio_with_cost (info_ratio_with_cost_1day, run_id),
  ADD KEY ix_run_order_max_drawdown_with_cost (max_drawdown_with_cost_1day, run_id);
